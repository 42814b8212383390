//! The CPU time a thread spends on something, for the timings a build reports
//! (`--format json`'s `compile_cpu`, `export_cpu`, `render_cpu`, `print_cpu`).
//!
//! On Unix it is the thread's own CPU clock (`CLOCK_THREAD_CPUTIME_ID`): the
//! wall clock also counts the moments another process had the core, and a
//! build runs three processes on two cores (the main process took ~6 % of a
//! worker's time that way, which then read as compile and export). A packet is
//! typeset on one thread with worker processes and with `--jobs 1` (one-thread
//! rayon pools), so that thread's clock holds all of its work; in threads with
//! more jobs, what Typst hands to another thread of the pool is not counted.
//! Elsewhere than Unix it is the wall clock.

use std::time::Duration;

/// A stopwatch on the calling thread's CPU clock.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    #[cfg(unix)]
    started: Duration,
    #[cfg(not(unix))]
    started: std::time::Instant,
}

impl Stopwatch {
    /// Starts counting.
    pub fn start() -> Self {
        #[cfg(unix)]
        {
            Self { started: thread_cpu() }
        }
        #[cfg(not(unix))]
        {
            Self { started: std::time::Instant::now() }
        }
    }

    /// The CPU time the calling thread has used since `start` (the same
    /// thread: another thread's clock is another count).
    pub fn elapsed(&self) -> Duration {
        #[cfg(unix)]
        {
            thread_cpu().saturating_sub(self.started)
        }
        #[cfg(not(unix))]
        {
            self.started.elapsed()
        }
    }
}

#[cfg(unix)]
fn thread_cpu() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec to write to; the clock exists on
    // every Unix libc targets here. On failure `now` stays zero.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now);
    }
    Duration::new(u64::try_from(now.tv_sec).unwrap_or(0), u32::try_from(now.tv_nsec).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sleeping uses no CPU; spinning does, and never more than the wall
    /// clock saw pass.
    #[test]
    fn the_stopwatch_counts_cpu_not_sleep() {
        let watch = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(200));
        let slept = watch.elapsed();
        #[cfg(unix)]
        assert!(slept < Duration::from_millis(50), "sleeping counted {slept:?}");
        let spin = std::time::Instant::now();
        let mut x = 0u64;
        while watch.elapsed() - slept < Duration::from_millis(30)
            && spin.elapsed() < Duration::from_secs(10)
        {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let spun = watch.elapsed() - slept;
        assert!(spun >= Duration::from_millis(30), "10 s of spinning counted only {spun:?}");
        assert!(
            spun <= spin.elapsed() + Duration::from_millis(5),
            "{spun:?} of CPU in {:?}",
            spin.elapsed()
        );
    }
}
