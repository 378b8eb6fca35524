//! Giving back what start-up needed and the long-running loop does not.
//!
//! Reading the configuration runs most of the binary's code once (the preprocessor, every
//! keyword reader, clap); those text pages stay resident though the VRRP loop never runs
//! them again. Dropping our mapping of them costs nothing: a page the loop does touch comes
//! back from the page cache on a minor fault (the shared libraries' code is treated the
//! same). The heap's freed start-up memory is returned too. Only code pages (read +
//! execute, never written) are dropped, so no data is lost.

use nix::libc;

/// The `r-xp` mappings of files (the executable and the shared libraries) in
/// /proc/self/maps; `exe` is unused for matching but kept for the test's clarity.
fn exec_text_ranges(maps: &str, _exe: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let range = f.next()?;
            let perms = f.next()?;
            let path = f.nth(3)?;
            // Only file-backed code: never [vdso] or anonymous executable memory.
            if perms != "r-xp" || !path.starts_with('/') {
                return None;
            }
            let (a, b) = range.split_once('-')?;
            let start = usize::from_str_radix(a, 16).ok()?;
            let end = usize::from_str_radix(b, 16).ok()?;
            (end > start).then_some((start, end))
        })
        .collect()
}

/// One malloc arena for the whole daemon. glibc gives each thread that allocates its own
/// arena (64 MiB reserved, some hundred KiB touched); the daemon's helper threads (script
/// runner, mail) allocate little and rarely, so sharing the main arena costs no contention
/// and keeps the resident set small. Call before any thread starts.
pub fn single_arena() {
    // SAFETY: mallopt only changes a malloc tunable.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Returns the free heap and drops our mappings of code pages: after start-up, and again
/// once the loop has been quiet for a while after a state change (see `daemon::vrrp_loop`).
/// Best effort: nothing here can fail the daemon.
pub fn give_back() {
    // SAFETY: malloc_trim only returns free heap memory to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return;
    };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for (start, end) in exec_text_ranges(&maps, &exe.to_string_lossy()) {
        // SAFETY: the range is a private, read-only executable file mapping (our binary or a
        // shared library), never written; MADV_DONTNEED drops our page-table entries and
        // the next access faults the same bytes back in from the file (the kernel maps up
        // to 64 KiB around each such fault, `fault_around_bytes`, whatever the advice).
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_mappings_of_files() {
        let maps = "\
55e228c8b000-55e228da4000 r--p 00000000 fe:00 5359081 /usr/sbin/ha
55e228da4000-55e22914d000 r-xp 00118000 fe:00 5359081 /usr/sbin/ha
55e22914d000-55e229169000 r--p 004c0000 fe:00 5359081 /usr/sbin/ha
7f78b1d68000-7f78b1ebe000 r-xp 00026000 fe:00 326279 /usr/lib/x86_64-linux-gnu/libc.so.6
55e25a85a000-55e25a8c8000 rw-p 00000000 00:00 0 [heap]
garbage line
";
        assert_eq!(
            exec_text_ranges(maps, "/usr/sbin/ha"),
            vec![
                (0x55e228da4000, 0x55e22914d000),
                (0x7f78b1d68000, 0x7f78b1ebe000)
            ]
        );
        let vdso = "7ffe12ff1000-7ffe12ff3000 r-xp 00000000 00:00 0 [vdso]\n";
        assert!(exec_text_ranges(vdso, "/usr/sbin/ha").is_empty());
    }

    #[test]
    fn dropping_our_code_pages_is_harmless() {
        give_back();
        give_back();
        // Still running our code after the call: reading and parsing our own maps runs
        // code whose pages were just dropped, and finds them mapped still.
        assert_eq!(exec_text_ranges("", "x"), vec![]);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(!exec_text_ranges(&maps, "").is_empty(), "{maps}");
    }
}
