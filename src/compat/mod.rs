//! Personalities chosen by argv[0]: the command lines of the tools ha replaces.
pub mod genhash;
pub mod getopt;
pub mod ipvsadm;
pub mod keepalived;
