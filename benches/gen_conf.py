#!/usr/bin/env python3
"""Writes a large keepalived.conf for the parser benchmark: N virtual servers, each with
R real servers and an HTTP_GET check (N=10000, R=4 gives 540,003 lines)."""
import sys

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    r = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    out = sys.stdout
    out.write("global_defs {\n    router_id BENCH\n}\n\n")
    for i in range(n):
        vip = f"10.{100 + i // 65536}.{(i // 256) % 256}.{i % 256}"
        out.write(f"virtual_server {vip} 80 {{\n"
                  "    delay_loop 6\n    lvs_sched wrr\n    lvs_method DR\n    protocol TCP\n")
        for j in range(r):
            k = i * r + j
            rip = f"10.{150 + k // 65536}.{(k // 256) % 256}.{k % 256}"
            out.write(f"    real_server {rip} 80 {{\n"
                      "        HTTP_GET {\n"
                      "            url {\n"
                      "                path /health\n"
                      "                digest 65078f5e997cf8af75ced0bfee208362\n"
                      "                status_code 200\n"
                      "            }\n"
                      "            connect_timeout 3\n"
                      "            retry 3\n"
                      "            delay_before_retry 3\n"
                      "        }\n"
                      "    }\n")
        out.write("}\n")

if __name__ == "__main__":
    main()
