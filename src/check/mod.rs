//! The health-check engine: a check is (configuration, target) -> verdict with a reason.
//!
//! Every check is blocking and bounded by deadlines, holds no global state, and can run on
//! any worker thread; `ha check` runs one, `ha run` will schedule thousands.

pub mod conn;
pub mod http;
pub mod http_response;
pub mod smtp;
pub mod stream;
pub mod tcp;
pub mod tls;

use std::time::{Duration, Instant};

use serde::Serialize;

/// The verdict of one check (after its retries).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub up: bool,
    /// What was found, in words: "HTTP 200 on /health" or "connection refused".
    pub reason: String,
    #[serde(serialize_with = "ser_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// How many attempts were made (1 + retries used).
    pub attempts: u32,
}

fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// Up to `max` bytes from a peer, escaped and quoted for a message (`"SSH-2.0\r\n..."`).
pub fn quote_bytes(bytes: &[u8], max: usize) -> String {
    let shown: String = bytes
        .iter()
        .take(max)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    let more = if bytes.len() > max { "..." } else { "" };
    format!("\"{shown}{more}\"")
}

/// The result of a single attempt.
pub type Attempt = Result<String, String>;

/// keepalived's retry rule: a failed attempt is tried again up to `retry` more times, with
/// `delay_before_retry` between attempts; the first success wins.
pub fn run_with_retry(
    retry: u32,
    delay_before_retry: Duration,
    mut attempt: impl FnMut() -> Attempt,
) -> Outcome {
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = attempt();
        let last = attempts > retry;
        match result {
            Ok(reason) => {
                return Outcome {
                    up: true,
                    reason,
                    elapsed: start.elapsed(),
                    attempts,
                }
            }
            Err(reason) if last => {
                return Outcome {
                    up: false,
                    reason,
                    elapsed: start.elapsed(),
                    attempts,
                }
            }
            Err(_) => std::thread::sleep(delay_before_retry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_stops_at_first_success() {
        let mut n = 0;
        let o = run_with_retry(3, Duration::ZERO, || {
            n += 1;
            if n == 2 {
                Ok("up".into())
            } else {
                Err("down".into())
            }
        });
        assert!(o.up);
        assert_eq!(o.attempts, 2);
    }

    #[test]
    fn retry_reports_the_last_failure() {
        let mut n = 0;
        let o = run_with_retry(2, Duration::ZERO, || {
            n += 1;
            Err(format!("fail {n}"))
        });
        assert!(!o.up);
        assert_eq!(o.attempts, 3);
        assert_eq!(o.reason, "fail 3");
    }

    #[test]
    fn json_has_elapsed_in_ms() {
        let o = Outcome {
            up: true,
            reason: "ok".into(),
            elapsed: Duration::from_micros(1500),
            attempts: 1,
        };
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["elapsed_ms"], 1.5);
    }
}
