//! Alert mail on VRRP transitions, in keepalived 2.2.7's words (vrrp_notify.c
//! vrrp_smtp_notifier, vrrp_sync_smtp_notifier; core/smtp.c smtp_alert, body_cmd;
//! include/smtp.h), sent by a thread of its own so a dead or slow SMTP server delays
//! nothing else.
//!
//! - Subject `[ROUTER_ID] VRRP Instance VI_1 - Entering MASTER state` (groups:
//!   `VRRP Group G1 - ...`), at most 255 bytes.
//! - Message: `Date:` (local time, `Mon, 01 Mar 2021 09:44:08 +0100`), `From:`, `Subject:`,
//!   `X-Mailer: Keepalived`, `To:` (every address, `, ` between), a blank line, the body
//!   line, then the end of data. keepalived builds this in a 1024-byte buffer and cuts
//!   longer messages (the end-of-data mark included); ha sends them whole.
//! - Defaults where the file has none: router_id and HELO name are the host name (keepalived
//!   takes the canonical name from DNS, which ha does not ask at start), the sender is
//!   `<user>@<host name>`.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::libc;

use super::event::{Kind, NotifyState};
use super::smtp::{deliver, MailError};
use super::waker::Waker;
use crate::conf::model::global::{host_name, Global, SmtpHost};

/// keepalived's subject buffer is 256 bytes with its NUL.
const MAX_SUBJECT: usize = 255;

/// A mail's subject and body line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub subject: String,
    pub body: String,
}

/// The alert for a state, or None for states keepalived sends none for (a group deleted).
pub fn vrrp_alert(router_id: &str, kind: Kind, name: &str, state: NotifyState) -> Option<Alert> {
    use NotifyState::*;
    let (what, body) = match (kind, state) {
        (Kind::Instance, Master) => (
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        ),
        (Kind::Instance, Backup) => (
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (Kind::Instance, Fault) => (
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (Kind::Instance, Stop) => ("Stopping", "=> VRRP Instance stopping <="),
        (Kind::Instance, Deleted) => ("Deleted", "=> VRRP Deleted at reload <="),
        (Kind::Group, Master) => (
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (Kind::Group, Backup) => (
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (Kind::Group, Fault) => (
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        (Kind::Group, Stop) => (
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        ),
        (Kind::Group, Deleted) => return None,
    };
    let block = match kind {
        Kind::Instance => "Instance",
        Kind::Group => "Group",
    };
    let mut subject = format!("[{router_id}] VRRP {block} {name} - {what}");
    truncate(&mut subject, MAX_SUBJECT);
    Some(Alert {
        subject,
        body: body.to_string(),
    })
}

fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Where and how mail is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub server: SmtpHost,
    pub port: u16,
    /// Bounds the connection and each reply (smtp_connect_timeout).
    pub timeout: Duration,
    pub helo: String,
    pub from: String,
    pub to: Vec<String>,
    pub router_id: String,
}

impl MailSettings {
    /// None when no mail can be sent: no `smtp_server` or no `notification_email`.
    pub fn new(g: &Global, host_name: &str, user: &str) -> Option<MailSettings> {
        let server = g.smtp_server.as_ref()?;
        if g.notification_email.is_empty() {
            return None;
        }
        Some(MailSettings {
            server: server.host.clone(),
            port: server.port,
            timeout: g.smtp_connect_timeout,
            helo: g.smtp_helo_name_or(host_name).to_string(),
            from: g.email_from_or(user, host_name),
            to: g
                .notification_email
                .iter()
                .map(|e| e.value.clone())
                .collect(),
            router_id: g.router_id_or(host_name).to_string(),
        })
    }

    /// [`MailSettings::new`] with this host's name and the daemon's user.
    pub fn from_global(g: &Global) -> Option<MailSettings> {
        let host = host_name().unwrap_or_else(|| "localhost".to_string());
        let uid = nix::unistd::getuid();
        let user = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map_or_else(|| uid.to_string(), |u| u.name);
        MailSettings::new(g, &host, &user)
    }

    /// The SMTP server as messages name it: `host:port`.
    pub fn server_label(&self) -> String {
        match &self.server {
            SmtpHost::Ip(std::net::IpAddr::V6(ip)) => format!("[{ip}]:{}", self.port),
            h => format!("{h}:{}", self.port),
        }
    }
}

/// What follows DATA: headers, the body line and the end-of-data mark.
pub fn message(date: &str, s: &MailSettings, alert: &Alert) -> String {
    format!(
        "Date: {date}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n\r\n.\r\n",
        s.from,
        alert.subject,
        s.to.join(", "),
        alert.body
    )
}

/// A broken-down local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// 0 = Sunday.
    pub weekday: u32,
    pub day: u32,
    /// 0 = January.
    pub month: u32,
    pub year: i32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// East of UTC.
    pub offset_secs: i64,
}

/// strftime's `%a, %d %b %Y %H:%M:%S %z` in the C locale, as keepalived's Date header.
pub fn format_date(t: &LocalTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let sign = if t.offset_secs < 0 { '-' } else { '+' };
    let off = t.offset_secs.unsigned_abs() / 60;
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        DAYS[t.weekday as usize % 7],
        t.day,
        MONTHS[t.month as usize % 12],
        t.year,
        t.hour,
        t.minute,
        t.second,
        off / 60,
        off % 60
    )
}

/// `t` in the local time zone (UTC if the zone cannot be had).
pub fn local_time(t: SystemTime) -> LocalTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(i64::MAX as u64) as libc::time_t;
    // SAFETY: localtime_r and gmtime_r only write the `tm` they are given; `secs` is a
    // valid time_t; a zeroed tm is a valid value of this plain C struct.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        // SAFETY: as above.
        unsafe {
            libc::gmtime_r(&secs, &mut tm);
        }
        tm.tm_gmtoff = 0;
    }
    let u = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
    LocalTime {
        weekday: u(tm.tm_wday),
        day: u(tm.tm_mday),
        month: u(tm.tm_mon),
        year: tm.tm_year + 1900,
        hour: u(tm.tm_hour),
        minute: u(tm.tm_min),
        second: u(tm.tm_sec),
        offset_secs: tm.tm_gmtoff,
    }
}

/// The fate of one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub subject: String,
    pub result: Result<(), MailError>,
}

/// The mail thread's handle: [`Mailer::send`] never blocks; results come back through
/// [`Mailer::try_recv`], with the waker made readable.
///
/// Mails go one at a time, each step bounded by `smtp_connect_timeout`. Dropping the handle
/// lets the thread finish the mail in hand and end; it is not waited for.
pub struct Mailer {
    settings: MailSettings,
    tx: Sender<Alert>,
    rx: Receiver<Sent>,
}

impl Mailer {
    pub fn start(settings: MailSettings, waker: Waker) -> std::io::Result<Mailer> {
        let (tx, requests) = mpsc::channel::<Alert>();
        let (done, rx) = mpsc::channel();
        let s = settings.clone();
        thread::Builder::new()
            .name("ha-mail".into())
            .spawn(move || {
                for alert in requests {
                    let date = format_date(&local_time(SystemTime::now()));
                    let result = deliver(&s, &message(&date, &s, &alert));
                    let _ = done.send(Sent {
                        subject: alert.subject,
                        result,
                    });
                    waker.wake();
                }
            })?;
        Ok(Mailer { settings, tx, rx })
    }

    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    pub fn send(&self, alert: Alert) {
        // Fails only if the thread died, which it does not while the handle lives.
        let _ = self.tx.send(alert);
    }

    pub fn try_recv(&self) -> Option<Sent> {
        self.rx.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::parse_str;

    #[test]
    fn instance_subjects_and_bodies() {
        let a = vrrp_alert("lb1", Kind::Instance, "VI_1", NotifyState::Master).unwrap();
        assert_eq!(
            a.subject,
            "[lb1] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(a.body, "=> VRRP Instance is now owning VRRP VIPs <=");
        let a = vrrp_alert("lb1", Kind::Instance, "VI_1", NotifyState::Backup).unwrap();
        assert_eq!(
            a.subject,
            "[lb1] VRRP Instance VI_1 - Entering BACKUP state"
        );
        assert_eq!(a.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let a = vrrp_alert("lb1", Kind::Instance, "VI_1", NotifyState::Fault).unwrap();
        assert_eq!(a.subject, "[lb1] VRRP Instance VI_1 - Entering FAULT state");
        assert_eq!(a.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let a = vrrp_alert("lb1", Kind::Instance, "VI_1", NotifyState::Stop).unwrap();
        assert_eq!(a.subject, "[lb1] VRRP Instance VI_1 - Stopping");
        assert_eq!(a.body, "=> VRRP Instance stopping <=");
        let a = vrrp_alert("lb1", Kind::Instance, "VI_1", NotifyState::Deleted).unwrap();
        assert_eq!(a.subject, "[lb1] VRRP Instance VI_1 - Deleted");
        assert_eq!(a.body, "=> VRRP Deleted at reload <=");
    }

    #[test]
    fn group_subjects_and_bodies() {
        let a = vrrp_alert("r", Kind::Group, "G1", NotifyState::Master).unwrap();
        assert_eq!(a.subject, "[r] VRRP Group G1 - Entering MASTER state");
        assert_eq!(
            a.body,
            "=> All VRRP group instances are now in MASTER state <="
        );
        let a = vrrp_alert("r", Kind::Group, "G1", NotifyState::Fault).unwrap();
        assert_eq!(
            a.body,
            "=> All VRRP group instances are now in FAULT state <="
        );
        let a = vrrp_alert("r", Kind::Group, "G1", NotifyState::Stop).unwrap();
        assert_eq!(a.subject, "[r] VRRP Group G1 - Stopping");
        assert_eq!(a.body, "=> All VRRP group instances are now stopping <=");
        assert_eq!(
            vrrp_alert("r", Kind::Group, "G1", NotifyState::Deleted),
            None
        );
    }

    #[test]
    fn long_subjects_are_cut_as_keepalived_cuts_them() {
        let name = "é".repeat(200);
        let a = vrrp_alert("r", Kind::Instance, &name, NotifyState::Master).unwrap();
        assert!(a.subject.len() <= 255 && a.subject.len() >= 254);
    }

    fn settings(conf: &str) -> Option<MailSettings> {
        let p = parse_str("t.conf", conf);
        MailSettings::new(&p.config.global, "lb1.example", "root")
    }

    #[test]
    fn settings_and_their_defaults() {
        assert_eq!(settings("global_defs {\n smtp_server 127.0.0.1\n}\n"), None);
        assert_eq!(
            settings("global_defs {\n notification_email {\n a@x\n }\n}\n"),
            None
        );
        let s = settings(
            "global_defs {\n notification_email {\n a@x\n b@y\n }\n smtp_server 10.0.0.1 2525\n}\n",
        )
        .unwrap();
        assert_eq!(s.server_label(), "10.0.0.1:2525");
        assert_eq!(s.helo, "lb1.example");
        assert_eq!(s.from, "root@lb1.example");
        assert_eq!(s.router_id, "lb1.example");
        assert_eq!(s.to, ["a@x", "b@y"]);
        assert_eq!(s.timeout, Duration::from_secs(30));
        let s = settings(
            "global_defs {\n notification_email {\n a@x\n }\n notification_email_from ka@lb\n \
             smtp_server ::1\n smtp_helo_name h.lb\n smtp_connect_timeout 3\n router_id LB_A\n}\n",
        )
        .unwrap();
        assert_eq!(
            (
                s.server_label().as_str(),
                s.helo.as_str(),
                s.from.as_str(),
                s.router_id.as_str()
            ),
            ("[::1]:25", "h.lb", "ka@lb", "LB_A")
        );
        assert_eq!(s.timeout, Duration::from_secs(3));
    }

    #[test]
    fn the_message_keepalived_sends() {
        let s = settings(
            "global_defs {\n notification_email {\n a@x\n b@y\n }\n notification_email_from ka@lb\n \
             smtp_server 127.0.0.1\n router_id LB_A\n}\n",
        )
        .unwrap();
        let a = vrrp_alert(&s.router_id, Kind::Instance, "VI_1", NotifyState::Master).unwrap();
        assert_eq!(
            message("Mon, 01 Mar 2021 09:44:08 +0000", &s, &a),
            "Date: Mon, 01 Mar 2021 09:44:08 +0000\r\n\
             From: ka@lb\r\n\
             Subject: [LB_A] VRRP Instance VI_1 - Entering MASTER state\r\n\
             X-Mailer: Keepalived\r\n\
             To: a@x, b@y\r\n\
             \r\n\
             => VRRP Instance is now owning VRRP VIPs <=\r\n\
             \r\n.\r\n"
        );
    }

    #[test]
    fn dates_as_strftime_writes_them() {
        let t = LocalTime {
            weekday: 1,
            day: 1,
            month: 2,
            year: 2021,
            hour: 9,
            minute: 44,
            second: 8,
            offset_secs: 0,
        };
        assert_eq!(format_date(&t), "Mon, 01 Mar 2021 09:44:08 +0000");
        let t = LocalTime {
            offset_secs: -(5 * 3600 + 30 * 60),
            weekday: 0,
            month: 11,
            day: 31,
            ..t
        };
        assert_eq!(format_date(&t), "Sun, 31 Dec 2021 09:44:08 -0530");
        let t = LocalTime {
            offset_secs: 3600,
            ..t
        };
        assert!(format_date(&t).ends_with(" +0100"));
        // The clock gives something well-formed.
        let now = format_date(&local_time(SystemTime::now()));
        assert_eq!(now.len(), "Mon, 01 Mar 2021 09:44:08 +0000".len(), "{now}");
    }
}
