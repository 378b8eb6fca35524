# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ha_global_optspecs
    string join \n h/help V/version
end

function __fish_ha_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ha_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ha_using_subcommand
    set -l cmd (__fish_ha_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ha -n "__fish_ha_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_needs_command" -s V -l version -d 'Print version'
complete -c ha -n "__fish_ha_needs_command" -f -a "run" -d 'Run the director daemon from a keepalived.conf (VRRP), or check it with -t'
complete -c ha -n "__fish_ha_needs_command" -f -a "config" -d 'Inspect keepalived.conf files'
complete -c ha -n "__fish_ha_needs_command" -f -a "genhash" -d 'Print the MD5 digest of a page, as HTTP_GET\'s `digest` wants it'
complete -c ha -n "__fish_ha_needs_command" -f -a "check" -d 'Run one health check now and print the verdict (exit 0 UP, 1 DOWN)'
complete -c ha -n "__fish_ha_needs_command" -f -a "ipvs" -d 'The kernel\'s IPVS table: list, stats, add/edit/del services and real servers, save and restore (ipvsadm\'s rules), apply a keepalived.conf'
complete -c ha -n "__fish_ha_needs_command" -f -a "rs-arp" -d 'Set up an LVS-DR real server: VIPs on lo and the ARP sysctls'
complete -c ha -n "__fish_ha_needs_command" -f -a "vrrp" -d 'VRRP on the wire'
complete -c ha -n "__fish_ha_needs_command" -f -a "generate-docs" -d 'Write the shell completions and man pages generated from this binary (maintainers)'
complete -c ha -n "__fish_ha_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand run" -s f -l use-file -d 'Configuration file' -r -F
complete -c ha -n "__fish_ha_using_subcommand run" -s i -l config-id -d 'Config id for @ID lines (default: the host name up to the first dot)' -r
complete -c ha -n "__fish_ha_using_subcommand run" -s t -l config-test -d 'Check the configuration, print every finding, and exit'
complete -c ha -n "__fish_ha_using_subcommand run" -l strict -d 'Treat warnings as errors'
complete -c ha -n "__fish_ha_using_subcommand run" -s e -l all-config -d 'Include checks as keepalived -e: missing or unreadable includes are errors'
complete -c ha -n "__fish_ha_using_subcommand run" -l json -d 'Print one JSON object instead of the findings'
complete -c ha -n "__fish_ha_using_subcommand run" -s D -l log-detail -d 'Detailed log: dropped adverts, each VIP added or removed (keepalived -D)'
complete -c ha -n "__fish_ha_using_subcommand run" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print the fully resolved configuration: includes expanded, variables substituted, defaults applied (what the daemon would run)'
complete -c ha -n "__fish_ha_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from show" -s f -l use-file -d 'Configuration file' -r -F
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from show" -s i -l config-id -d 'Config id for @ID lines (default: the host name up to the first dot)' -r
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of the block layout'
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the fully resolved configuration: includes expanded, variables substituted, defaults applied (what the daemon would run)'
complete -c ha -n "__fish_ha_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand genhash" -s s -l server -d 'Real server address (IPv4 or IPv6)' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s p -l port -d 'Real server port' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s u -l url -d 'Path to fetch, e.g. /index.html' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s I -l use-sni -d 'Send SNI: NAME, or the virtual host (-V) when no NAME is given' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s V -l use-virtualhost -d 'Host header to send (default: IP:PORT)' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s P -l protocol -d 'HTTP version: 1.0, 1.0c (1.0 with Connection: close) or 1.1' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s t -l timeout -d 'Give up after this many seconds (connect, request and reply together)' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s m -l fwmark -d 'Mark the connection\'s packets with this fwmark (needs CAP_NET_ADMIN)' -r
complete -c ha -n "__fish_ha_using_subcommand genhash" -s S -l use-ssl -d 'Use TLS (SSL_GET)'
complete -c ha -n "__fish_ha_using_subcommand genhash" -s v -l verbose -d 'Show the reply\'s header and body as hex dumps, like keepalived\'s genhash -v'
complete -c ha -n "__fish_ha_using_subcommand genhash" -l json -d 'Print one JSON object instead of the digest line'
complete -c ha -n "__fish_ha_using_subcommand genhash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -f -a "http" -d 'HTTP_GET: fetch each path; status code in the accepted set, digest if given'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -f -a "https" -d 'SSL_GET: HTTP_GET over TLS (no certificate verification unless --ca)'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -f -a "tcp" -d 'TCP_CHECK: the server is up when a TCP connection completes'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -f -a "smtp" -d 'SMTP_CHECK: greeting 220, HELO answered 250, QUIT'
complete -c ha -n "__fish_ha_using_subcommand check; and not __fish_seen_subcommand_from http https tcp smtp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l bindto -d 'Source address to connect from (keepalived\'s bindto)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l bind-port -d 'Source port to connect from (keepalived\'s bind_port)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l bind-if -d 'Interface to connect through (keepalived\'s bind_if)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l fwmark -d 'Mark the check\'s packets (keepalived\'s fwmark; needs CAP_NET_ADMIN)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l timeout -d 'Seconds one attempt may take, connect included (keepalived\'s connect_timeout)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l retry -d 'Extra attempts after a failure before the verdict is DOWN (keepalived\'s retry)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l delay-before-retry -d 'Seconds between attempts [default: 3 for http/https, 1 for tcp/smtp]' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l path -d 'Path to fetch; repeat for several (all must pass, in order)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l status -d 'Accepted status codes, e.g. 200 or 200-299,301 (keepalived\'s status_code)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l digest -d 'Expected MD5 of the body (from genhash); one for all paths or one per --path' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l virtualhost -d 'Host header to send (default: IP:PORT)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l http-version -d 'HTTP version: 1.0, 1.0c (1.0 with Connection: close) or 1.1' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l port -d 'Port to connect to' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -l json -d 'Print one JSON object instead of the verdict line'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from http" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l bindto -d 'Source address to connect from (keepalived\'s bindto)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l bind-port -d 'Source port to connect from (keepalived\'s bind_port)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l bind-if -d 'Interface to connect through (keepalived\'s bind_if)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l fwmark -d 'Mark the check\'s packets (keepalived\'s fwmark; needs CAP_NET_ADMIN)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l timeout -d 'Seconds one attempt may take, connect included (keepalived\'s connect_timeout)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l retry -d 'Extra attempts after a failure before the verdict is DOWN (keepalived\'s retry)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l delay-before-retry -d 'Seconds between attempts [default: 3 for http/https, 1 for tcp/smtp]' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l path -d 'Path to fetch; repeat for several (all must pass, in order)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l status -d 'Accepted status codes, e.g. 200 or 200-299,301 (keepalived\'s status_code)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l digest -d 'Expected MD5 of the body (from genhash); one for all paths or one per --path' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l virtualhost -d 'Host header to send (default: IP:PORT)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l http-version -d 'HTTP version: 1.0, 1.0c (1.0 with Connection: close) or 1.1' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l port -d 'Port to connect to' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l sni -d 'Send this name as SNI (default: none, or the virtual host with --sni-from-virtualhost)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l ca -d 'Verify the server\'s certificate against the CA certificates in this PEM file' -r -F
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l json -d 'Print one JSON object instead of the verdict line'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -l sni-from-virtualhost -d 'Send the virtual host as SNI (keepalived\'s enable_sni)'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from https" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l bindto -d 'Source address to connect from (keepalived\'s bindto)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l bind-port -d 'Source port to connect from (keepalived\'s bind_port)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l bind-if -d 'Interface to connect through (keepalived\'s bind_if)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l fwmark -d 'Mark the check\'s packets (keepalived\'s fwmark; needs CAP_NET_ADMIN)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l timeout -d 'Seconds one attempt may take, connect included (keepalived\'s connect_timeout)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l retry -d 'Extra attempts after a failure before the verdict is DOWN (keepalived\'s retry)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l delay-before-retry -d 'Seconds between attempts [default: 3 for http/https, 1 for tcp/smtp]' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l port -d 'Port to connect to' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -l json -d 'Print one JSON object instead of the verdict line'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from tcp" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l bindto -d 'Source address to connect from (keepalived\'s bindto)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l bind-port -d 'Source port to connect from (keepalived\'s bind_port)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l bind-if -d 'Interface to connect through (keepalived\'s bind_if)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l fwmark -d 'Mark the check\'s packets (keepalived\'s fwmark; needs CAP_NET_ADMIN)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l timeout -d 'Seconds one attempt may take, connect included (keepalived\'s connect_timeout)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l retry -d 'Extra attempts after a failure before the verdict is DOWN (keepalived\'s retry)' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l delay-before-retry -d 'Seconds between attempts [default: 3 for http/https, 1 for tcp/smtp]' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l port -d 'Port to connect to' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l helo-name -d 'Name to send with HELO' -r
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -l json -d 'Print one JSON object instead of the verdict line'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from smtp" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "http" -d 'HTTP_GET: fetch each path; status code in the accepted set, digest if given'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "https" -d 'SSL_GET: HTTP_GET over TLS (no certificate verification unless --ca)'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "tcp" -d 'TCP_CHECK: the server is up when a TCP connection completes'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "smtp" -d 'SMTP_CHECK: greeting 220, HELO answered 250, QUIT'
complete -c ha -n "__fish_ha_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "list" -d 'List services and real servers'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "stats" -d 'Traffic counters or rates per service and real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "add" -d 'Add a service or a real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "edit" -d 'Change settings of a service or a real server (only the options given)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "del" -d 'Remove a service (with its real servers) or a real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "clear" -d 'Remove every service and real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "save" -d 'Print the table as rules that `ha ipvs restore` and `ipvsadm -R` read'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "restore" -d 'Load rules saved by `ha ipvs save` or `ipvsadm -S`'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "apply" -d 'Make the IPVS table what a keepalived.conf asks for (prints the changes)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and not __fish_seen_subcommand_from list stats add edit del clear save restore apply help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from list" -l json -d 'One JSON object per service'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from stats" -l watch -d 'Print again every SECS seconds, until interrupted' -r
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from stats" -l count -d 'With --watch: stop after this many samples' -r
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from stats" -l rate -d 'Per-second rates instead of totals'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from stats" -l json -d 'One JSON object per service (and per sample)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from add" -f -a "service" -d 'Add a virtual service'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from add" -f -a "dest" -d 'Add a real server to a service'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from add" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from edit" -f -a "service" -d 'Change settings of a virtual service (only the options given)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from edit" -f -a "dest" -d 'Change settings of a real server (only the options given)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from edit" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from del" -f -a "service" -d 'Remove a virtual service and its real servers'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from del" -f -a "dest" -d 'Remove a real server from a service'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from del" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from clear" -l json -d 'One JSON object per removed service'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from save" -l names -d 'Host and service names instead of numbers, as `ipvsadm -S` without -n'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from restore" -l clear -d 'Remove every service first'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from restore" -l dry-run -d 'Only check the rules and print what they would do'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from restore" -l json -d 'One JSON object per line: each change, then a summary'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from apply" -s f -l use-file -d 'Configuration file' -r -F
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from apply" -s i -l config-id -d 'Config id for @ID lines (default: the host name up to the first dot)' -r
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from apply" -s n -l dry-run -d 'Print the changes without making them'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from apply" -l json -d 'One JSON object per line'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "list" -d 'List services and real servers'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Traffic counters or rates per service and real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a service or a real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change settings of a service or a real server (only the options given)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "del" -d 'Remove a service (with its real servers) or a real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove every service and real server'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "save" -d 'Print the table as rules that `ha ipvs restore` and `ipvsadm -R` read'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Load rules saved by `ha ipvs save` or `ipvsadm -S`'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Make the IPVS table what a keepalived.conf asks for (prints the changes)'
complete -c ha -n "__fish_ha_using_subcommand ipvs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and not __fish_seen_subcommand_from start stop status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and not __fish_seen_subcommand_from start stop status help" -f -a "start" -d 'Set the ARP sysctls and add the VIPs (safe to repeat)'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and not __fish_seen_subcommand_from start stop status help" -f -a "stop" -d 'Remove VIPs and restore the sysctls from before start'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and not __fish_seen_subcommand_from start stop status help" -f -a "status" -d 'Show VIPs and sysctls; exit 1 on a half setup'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and not __fish_seen_subcommand_from start stop status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from start" -l vip -d 'A VIP the director forwards to this server: IPv4 or IPv6, optionally with /32 or /128. Repeat the option or separate with commas' -r
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from start" -l dev -d 'The device that holds the VIPs: lo, or a dummy device; never the real NIC' -r
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from start" -l json -d 'Print one JSON object describing what was done'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from stop" -l vip -d 'Remove only this VIP (repeat, or separate with commas). Without it: everything start added' -r
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from stop" -l dev -d 'The device holding the VIPs [default: the one start used, else lo]' -r
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from stop" -l json -d 'Print one JSON object describing what was done'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from status" -l dev -d 'The device holding the VIPs [default: the one start used, else lo]' -r
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON object (vips, sysctls, state, warnings, ok)'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from help" -f -a "start" -d 'Set the ARP sysctls and add the VIPs (safe to repeat)'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Remove VIPs and restore the sysctls from before start'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show VIPs and sysctls; exit 1 on a half setup'
complete -c ha -n "__fish_ha_using_subcommand rs-arp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and not __fish_seen_subcommand_from sniff help" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and not __fish_seen_subcommand_from sniff help" -f -a "sniff" -d 'Decode every VRRP advert on an interface, one line each, and flag split brain and mismatched peers (needs CAP_NET_RAW; no configuration)'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and not __fish_seen_subcommand_from sniff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -s i -l interface -d 'Interface to listen on' -r
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -s r -l read -d 'Read a pcap file instead of an interface' -r -F
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -s c -l count -d 'Stop after this many adverts' -r
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -l timeout -d 'Stop after this many seconds' -r
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -l no-promiscuous -d 'Do not put the interface in promiscuous mode (unicast adverts between other hosts are then not seen)'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -l json -d 'One JSON object per line'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from sniff" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from help" -f -a "sniff" -d 'Decode every VRRP advert on an interface, one line each, and flag split brain and mismatched peers (needs CAP_NET_RAW; no configuration)'
complete -c ha -n "__fish_ha_using_subcommand vrrp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand generate-docs" -l out -d 'Directory that receives completions/ and man/' -r -F
complete -c ha -n "__fish_ha_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "run" -d 'Run the director daemon from a keepalived.conf (VRRP), or check it with -t'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "config" -d 'Inspect keepalived.conf files'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "genhash" -d 'Print the MD5 digest of a page, as HTTP_GET\'s `digest` wants it'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "check" -d 'Run one health check now and print the verdict (exit 0 UP, 1 DOWN)'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "ipvs" -d 'The kernel\'s IPVS table: list, stats, add/edit/del services and real servers, save and restore (ipvsadm\'s rules), apply a keepalived.conf'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "rs-arp" -d 'Set up an LVS-DR real server: VIPs on lo and the ARP sysctls'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "vrrp" -d 'VRRP on the wire'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "generate-docs" -d 'Write the shell completions and man pages generated from this binary (maintainers)'
complete -c ha -n "__fish_ha_using_subcommand help; and not __fish_seen_subcommand_from run config genhash check ipvs rs-arp vrrp generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the fully resolved configuration: includes expanded, variables substituted, defaults applied (what the daemon would run)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "http" -d 'HTTP_GET: fetch each path; status code in the accepted set, digest if given'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "https" -d 'SSL_GET: HTTP_GET over TLS (no certificate verification unless --ca)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "tcp" -d 'TCP_CHECK: the server is up when a TCP connection completes'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "smtp" -d 'SMTP_CHECK: greeting 220, HELO answered 250, QUIT'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "list" -d 'List services and real servers'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "stats" -d 'Traffic counters or rates per service and real server'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "add" -d 'Add a service or a real server'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "edit" -d 'Change settings of a service or a real server (only the options given)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "del" -d 'Remove a service (with its real servers) or a real server'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "clear" -d 'Remove every service and real server'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "save" -d 'Print the table as rules that `ha ipvs restore` and `ipvsadm -R` read'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "restore" -d 'Load rules saved by `ha ipvs save` or `ipvsadm -S`'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from ipvs" -f -a "apply" -d 'Make the IPVS table what a keepalived.conf asks for (prints the changes)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from rs-arp" -f -a "start" -d 'Set the ARP sysctls and add the VIPs (safe to repeat)'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from rs-arp" -f -a "stop" -d 'Remove VIPs and restore the sysctls from before start'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from rs-arp" -f -a "status" -d 'Show VIPs and sysctls; exit 1 on a half setup'
complete -c ha -n "__fish_ha_using_subcommand help; and __fish_seen_subcommand_from vrrp" -f -a "sniff" -d 'Decode every VRRP advert on an interface, one line each, and flag split brain and mismatched peers (needs CAP_NET_RAW; no configuration)'
