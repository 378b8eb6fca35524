//! TCP_CHECK: the server is up when a TCP connection to it completes.

use std::time::{Duration, Instant};

use super::conn::{self, ConnectOpts, Deadline};
use super::{run_with_retry, Outcome};

#[derive(Debug, Clone, PartialEq)]
pub struct TcpCheck {
    pub conn: ConnectOpts,
    pub retry: u32,
    pub delay_before_retry: Duration,
}

impl TcpCheck {
    pub fn run(&self) -> Outcome {
        run_with_retry(self.retry, self.delay_before_retry, || {
            let deadline = Deadline::overall(Instant::now(), self.conn.timeout);
            conn::connect(&self.conn, &deadline)
                .map(|_| "TCP connection established".to_string())
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn up_when_listening_down_when_not() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut check = TcpCheck {
            conn: ConnectOpts::new(l.local_addr().unwrap(), Duration::from_secs(1)),
            retry: 0,
            delay_before_retry: Duration::ZERO,
        };
        assert!(check.run().up);
        drop(l);
        let o = check.run();
        assert!(!o.up);
        assert_eq!(o.reason, "connection refused");
        check.retry = 1;
        assert_eq!(check.run().attempts, 2);
    }
}
