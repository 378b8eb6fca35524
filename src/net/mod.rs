//! The network edges (being written).
