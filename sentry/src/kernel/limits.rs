/// One resource limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

pub const RLIM_INFINITY: u64 = u64::MAX;
/// Number of resources Linux defines (RLIMIT_CPU .. RLIMIT_RTTIME).
pub const RLIM_NLIMITS: usize = 16;

/// A process's resource limits.
#[derive(Clone, Debug)]
pub struct Rlimits(pub [Rlimit; RLIM_NLIMITS]);

impl Default for Rlimits {
    /// Linux's defaults for init, with the stack and fd limits containers usually get.
    fn default() -> Self {
        let inf = Rlimit {
            cur: RLIM_INFINITY,
            max: RLIM_INFINITY,
        };
        let mut l = [inf; RLIM_NLIMITS];
        l[libc::RLIMIT_CORE as usize] = Rlimit {
            cur: 0,
            max: RLIM_INFINITY,
        };
        l[libc::RLIMIT_STACK as usize] = Rlimit {
            cur: 8 << 20,
            max: RLIM_INFINITY,
        };
        l[libc::RLIMIT_NOFILE as usize] = Rlimit {
            cur: 1024,
            max: 524288,
        };
        l[libc::RLIMIT_NPROC as usize] = Rlimit {
            cur: 63_000,
            max: 63_000,
        };
        l[libc::RLIMIT_MEMLOCK as usize] = Rlimit {
            cur: 8 << 20,
            max: 8 << 20,
        };
        l[libc::RLIMIT_SIGPENDING as usize] = Rlimit {
            cur: 63_000,
            max: 63_000,
        };
        l[libc::RLIMIT_MSGQUEUE as usize] = Rlimit {
            cur: 819_200,
            max: 819_200,
        };
        l[libc::RLIMIT_NICE as usize] = Rlimit { cur: 0, max: 0 };
        l[libc::RLIMIT_RTPRIO as usize] = Rlimit { cur: 0, max: 0 };
        Rlimits(l)
    }
}

impl Rlimits {
    pub fn nofile(&self) -> usize {
        let n = self.0[libc::RLIMIT_NOFILE as usize].cur;
        usize::try_from(n).unwrap_or(usize::MAX)
    }
}
