pub mod genhash;
