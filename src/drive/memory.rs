//! How much memory this process may still take, what sets that figure, and
//! how many engines fit in it.
//!
//! A run sizes its workers by it — each holds an engine
//! ([`threads_within_memory`], [`threads_for`]) — and refuses what would not
//! fit with exit status 2, naming the key that asks for the memory, rather
//! than be killed, or abort when an allocation fails. On Linux three things
//! bound it, and the least is taken:
//!
//! * `MemAvailable` in `/proc/meminfo`: the machine's free and reclaimable
//!   memory;
//! * the address-space limit (`RLIMIT_AS`: `ulimit -v`, `prlimit --as`), in
//!   `/proc/self/limits`, less the address space already mapped (`VmSize`
//!   in `/proc/self/status`);
//! * the memory limit of the process's cgroup and of each cgroup above it,
//!   less what each already uses: cgroup v2's `memory.max` −
//!   `memory.current`, or v1's `memory.limit_in_bytes` −
//!   `memory.usage_in_bytes`, found through `/proc/self/cgroup` and
//!   `/proc/self/mountinfo` wherever the hierarchy is mounted.
//!
//! They are read from `/proc` rather than through `getrlimit`, as
//! `MemAvailable` already is: no system-call binding is needed, and where
//! none can be read (another OS) there is no bound.

use crate::error::{InputError, KeyPath, ValidationError};
use crate::model::{EngineKind, Model};
use crate::scenario::{Scenario, ScenarioFile};
use crate::spec::Footfall;
use std::path::{Path, PathBuf};

/// What sets the memory a process may still take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The machine's `MemAvailable`.
    MemAvailable,
    /// The address-space limit, `RLIMIT_AS`.
    AddressSpace,
    /// A cgroup's memory limit.
    Cgroup,
}

impl Limit {
    /// Where the memory is available, in a user's words: "… GB is
    /// available {this}".
    pub fn describe(self) -> &'static str {
        match self {
            Limit::MemAvailable => "(MemAvailable)",
            Limit::AddressSpace => "under the address-space limit (ulimit -v)",
            Limit::Cgroup => "under the cgroup's memory limit",
        }
    }

    /// Memory a worker thread takes besides its engine, as this limit
    /// counts it. Address space counts a thread's stack (2 MB) and the
    /// allocator's arena for it, reserved whole (64 MB with glibc) though
    /// hardly touched; resident memory counts only what is touched, which
    /// an engine's megabyte of slack covers.
    pub fn per_thread_bytes(self) -> u64 {
        match self {
            Limit::AddressSpace => 72 << 20,
            Limit::MemAvailable | Limit::Cgroup => 0,
        }
    }
}

/// The memory this process may still take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Available {
    /// Bytes.
    pub bytes: u64,
    /// The least of the limits, which sets `bytes`.
    pub limit: Limit,
}

/// The memory this process may still take: the least of `MemAvailable`,
/// the address-space limit and the cgroups' limits (see the module's
/// documentation); `None` where none can be read.
pub fn available_memory() -> Option<Available> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let address_space = read("/proc/self/limits").and_then(|limits| {
        address_space_left(&limits, &read("/proc/self/status").unwrap_or_default())
    });
    let cgroup = match (read("/proc/self/cgroup"), read("/proc/self/mountinfo")) {
        (Some(cgroup), Some(mounts)) => cgroup_dirs(&cgroup, &mounts)
            .iter()
            .filter_map(|(dir, mount, version)| cgroup_left(dir, mount, *version))
            .min(),
        _ => None,
    };
    [
        (
            read("/proc/meminfo").and_then(|m| mem_available(&m)),
            Limit::MemAvailable,
        ),
        (address_space, Limit::AddressSpace),
        (cgroup, Limit::Cgroup),
    ]
    .into_iter()
    .filter_map(|(bytes, limit)| {
        Some(Available {
            bytes: bytes?,
            limit,
        })
    })
    .min_by_key(|a| a.bytes)
}

/// `MemAvailable` from `/proc/meminfo`'s text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// The address space left under the soft `RLIMIT_AS`, from the texts of
/// `/proc/self/limits` and `/proc/self/status`; `None` if unlimited.
fn address_space_left(limits: &str, status: &str) -> Option<u64> {
    const NAME: &str = "Max address space";
    let line = limits.lines().find(|l| l.starts_with(NAME))?;
    // "unlimited" does not parse: no bound.
    let soft: u64 = line[NAME.len()..].split_whitespace().next()?.parse().ok()?;
    let mapped_kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmSize:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    Some(soft.saturating_sub(mapped_kib.saturating_mul(1024)))
}

/// A cgroup hierarchy's kind, which names its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// The unified hierarchy: `memory.max`, `memory.current`.
    V2,
    /// A v1 hierarchy with the memory controller: `memory.limit_in_bytes`,
    /// `memory.usage_in_bytes`.
    V1,
}

/// The process's memory cgroups, from the texts of `/proc/self/cgroup` and
/// `/proc/self/mountinfo`: for the unified hierarchy and a v1 memory
/// hierarchy, each that is mounted, the cgroup's directory and the
/// hierarchy's mount point (above which there is nothing to read).
fn cgroup_dirs(cgroup: &str, mountinfo: &str) -> Vec<(PathBuf, PathBuf, Version)> {
    let mut dirs = Vec::new();
    for line in cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let version = if id == "0" && controllers.is_empty() {
            Version::V2
        } else if controllers.split(',').any(|c| c == "memory") {
            Version::V1
        } else {
            continue;
        };
        if let Some((root, mount)) = mount_of(mountinfo, version) {
            let relative = Path::new(path)
                .strip_prefix(&root)
                .unwrap_or(Path::new(path));
            let relative = relative.strip_prefix("/").unwrap_or(relative);
            dirs.push((mount.join(relative), mount, version));
        }
    }
    dirs
}

/// Where a hierarchy is mounted: the cgroup that is the mount's root, and
/// the mount point (the first such mount in `/proc/self/mountinfo`).
fn mount_of(mountinfo: &str, version: Version) -> Option<(PathBuf, PathBuf)> {
    mountinfo.lines().find_map(|line| {
        // `ID PARENT DEV ROOT MOUNT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER`
        let (mine, fs) = line.split_once(" - ")?;
        let fields: Vec<&str> = mine.split(' ').collect();
        let fs: Vec<&str> = fs.split(' ').collect();
        let wanted = match version {
            Version::V2 => fs.first() == Some(&"cgroup2"),
            Version::V1 => {
                fs.first() == Some(&"cgroup")
                    && fs
                        .get(2)
                        .is_some_and(|o| o.split(',').any(|o| o == "memory"))
            }
        };
        (wanted && fields.len() >= 5)
            .then(|| (unescape(fields[3]).into(), unescape(fields[4]).into()))
    })
}

/// A mountinfo path: spaces, tabs, newlines and backslashes come as octal
/// escapes (`\040`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let d = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(d, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The least memory left under the limit of the cgroup at `dir` and of each
/// one above it up to the mount point; `None` if none has a limit.
fn cgroup_left(dir: &Path, mount: &Path, version: Version) -> Option<u64> {
    let (limit_file, usage_file) = match version {
        Version::V2 => ("memory.max", "memory.current"),
        Version::V1 => ("memory.limit_in_bytes", "memory.usage_in_bytes"),
    };
    let number = |d: &Path, file: &str| -> Option<u64> {
        std::fs::read_to_string(d.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    dir.ancestors()
        .take_while(|d| d.starts_with(mount))
        .filter_map(|d| {
            // v2 writes "max" for none; v1 a page-rounded i64::MAX.
            let limit = number(d, limit_file).filter(|&l| l < 1 << 62)?;
            Some(limit.saturating_sub(number(d, usage_file).unwrap_or(0)))
        })
        .min()
}

/// The memory this process may still take, in bytes: the least of the
/// machine's `MemAvailable`, the address-space limit and its cgroups'
/// limits ([`available_memory`]); `None` where none can be read.
pub fn available_memory_bytes() -> Option<u64> {
    available_memory().map(|a| a.bytes)
}

/// How many engines (one per worker thread) fit in `available` bytes, at
/// most `threads`: each holds [`crate::engine::memory_bytes`]. An error if
/// not even one fits, naming the key that asks for the memory (without the
/// scenario's text, unplaced: [`threads_for`] places it) and stating what
/// one needs. `None` available: no bound.
pub fn threads_within_memory(
    model: &Model,
    threads: usize,
    available: Option<u64>,
) -> Result<usize, InputError> {
    fit(model, threads, available, None, None).map_err(|refusal| {
        let Blame::Key(path) = refusal.blame;
        InputError::whole(path.to_string(), refusal.message)
    })
}

/// [`threads_within_memory`] for a scenario, against `available` (from
/// [`available_memory`]): an error names the key that asks for the memory
/// where it was written — the file, line and column, or the `--set` that
/// wrote it — and what limits the memory.
pub fn threads_for(
    scenario: &Scenario,
    threads: usize,
    available: Option<Available>,
) -> Result<usize, InputError> {
    let (bytes, limit) = (available.map(|a| a.bytes), available.map(|a| a.limit));
    fit(&scenario.model, threads, bytes, limit, Some(&scenario.file)).map_err(|refusal| {
        let Blame::Key(path) = refusal.blame;
        scenario.locate(ValidationError::new(path, refusal.message))
    })
}

/// Why not one engine fits: what asks for the memory, and the figures.
struct Refusal {
    blame: Blame,
    message: String,
}

/// What a refusal blames.
enum Blame {
    /// A key of the scenario.
    Key(KeyPath),
}

/// How many engines of `model`, with their threads, fit in `available`
/// bytes (set by `limit`, if known), at most `threads`; or why not one
/// does. With the scenario's `file`, a pipeline's refusal names the very
/// key (`footfall_per_hour[19]`, `faces`) of the site that sends it most
/// faces in its busiest hour.
fn fit(
    model: &Model,
    threads: usize,
    available: Option<u64>,
    limit: Option<Limit>,
    file: Option<&ScenarioFile>,
) -> Result<usize, Refusal> {
    if let Err(error) = model.simulation_refusal() {
        return Err(Refusal {
            blame: Blame::Key(error.path),
            message: error.message,
        });
    }
    let Some(available) = available else {
        return Ok(threads.max(1));
    };
    let per_engine = crate::engine::memory_bytes(model);
    let per_thread = per_engine.saturating_add(limit.map_or(0, Limit::per_thread_bytes));
    let fit = (available / per_thread.max(1)) as usize;
    if fit > 0 {
        return Ok(threads.clamp(1, fit));
    }
    let gb = |b: u64| b as f64 / 1e9;
    let records = model.residents as u64 * 16;
    let faces = per_engine.saturating_sub(records + (1 << 20));
    // Name what needs the memory: the residents engine's alerts and wanted
    // faces, the residents' records, or a pipeline's hour of buffered faces.
    let (blame, what) = if model.engine == EngineKind::Residents {
        (
            Blame::Key(KeyPath::keys(&["sites"])),
            format!(
                "{}. Footfall and duration, the list's size and threshold (false alerts per \
                 face) and its wanted people set them; `survsim check` answers the scenario in \
                 closed form without simulating",
                held_in_words(model)
            ),
        )
    } else if faces > records {
        let (site, hour) = busiest_site_hour(model);
        (
            Blame::Key(footfall_key(file, site, hour)),
            format!(
                "the pipeline buffers its busiest hour of faces, {:.1} GB, most of them from \
                 site \"{}\" at {hour:02}:00–{:02}:00",
                gb(faces),
                model.sites[site].name,
                (hour + 1) % 24,
            ),
        )
    } else {
        (
            Blame::Key(KeyPath::keys(&["population", "residents"])),
            format!("{} residents × 16 bytes", model.residents),
        )
    };
    let threads_too = if per_thread > per_engine {
        format!(
            ", plus {:.1} GB of address space for its thread's stack and allocator arena",
            gb(per_thread - per_engine)
        )
    } else {
        String::new()
    };
    Err(Refusal {
        blame,
        message: format!(
            "one replication needs {:.1} GB of memory ({what}){threads_too}, and {:.1} GB is \
             available{}",
            gb(per_engine),
            gb(available),
            limit.map_or(String::new(), |l| format!(" {}", l.describe()))
        ),
    })
}

/// What the residents engine holds of a replication of `model`, in words:
/// the faces it draws, and the alerts and wanted people's faces it keeps.
fn held_in_words(model: &Model) -> String {
    let need = crate::engine::residents::memory_need(model);
    format!(
        "the residents engine holds the run's alerts and wanted people's faces: its {:.3e} faces \
         raise up to {:.3e} false alerts, at 8 bytes each with a window of them spelled out, and \
         its wanted people give up to {:.3e} faces, at 16 bytes each",
        model.expected().faces_captured,
        need.alerts,
        need.wanted_faces,
    )
}

/// Below this, what a run needs in memory is not worth a line of `check`.
pub const MEMORY_WORTH_SAYING_BYTES: u64 = 1 << 30;

/// What a run of `scenario` needs in memory, in words, by the check a run
/// makes ([`threads_for`] against [`available_memory`]): the gigabytes one
/// replication takes and how many fit at once — `None` when it is under
/// [`MEMORY_WORTH_SAYING_BYTES`] and fits; or, as the error, why a run
/// would refuse it.
pub fn memory_in_words(scenario: &Scenario) -> Result<Option<String>, InputError> {
    let available = available_memory();
    let fit = threads_for(scenario, usize::MAX, available)?;
    let model = &scenario.model;
    let bytes = crate::engine::memory_bytes(model);
    if bytes < MEMORY_WORTH_SAYING_BYTES {
        return Ok(None);
    }
    let held = if model.engine == EngineKind::Residents {
        format!(" ({})", held_in_words(model))
    } else {
        String::new()
    };
    let room = match available {
        Some(a) => format!(
            "; {:.1} GB is available {}, room for {fit} at once",
            a.bytes as f64 / 1e9,
            a.limit.describe()
        ),
        None => String::new(),
    };
    let size = format!("{:.1} GB", bytes as f64 / 1e9);
    Ok(Some(format!(
        "one replication needs {size} of memory{held}{room}"
    )))
}

/// The hour of the clock in which a pipeline receives most faces, and the
/// site that sends it most of them then (the first of any tie).
fn busiest_site_hour(model: &Model) -> (usize, usize) {
    use crate::engine::pipeline_hour_faces;
    let first_max = |values: &mut dyn Iterator<Item = (usize, f64)>| {
        values
            .fold((0, f64::NEG_INFINITY), |best, (i, v)| {
                if v > best.1 { (i, v) } else { best }
            })
            .0
    };
    let hour = first_max(&mut (0..24).map(|h| {
        let faces = model.sites.iter().map(|s| pipeline_hour_faces(s, h)).sum();
        (h, faces)
    }));
    let site = first_max(
        &mut model
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| (i, pipeline_hour_faces(s, hour))),
    );
    (site, hour)
}

/// The key that sets site `site`'s faces in hour `hour`: its hourly
/// footfall's entry, its flat footfall, its `faces` — as the scenario's
/// `file` gives them; the site itself without the file.
fn footfall_key(file: Option<&ScenarioFile>, site: usize, hour: usize) -> KeyPath {
    let path = KeyPath::keys(&["sites"]).index(site);
    let Some(section) = file.and_then(|f| f.sites.get(site)) else {
        return path;
    };
    match (&section.footfall_per_hour, section.faces) {
        (Some(Footfall::Hourly(_)), _) => path.key("footfall_per_hour").index(hour),
        (Some(Footfall::Flat(_)), _) => path.key("footfall_per_hour"),
        (None, Some(_)) => path.key("faces"),
        (None, None) => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_and_the_address_space_left() {
        let meminfo = "MemTotal:       24000000 kB\nMemAvailable:   1000 kB\n";
        assert_eq!(mem_available(meminfo), Some(1_024_000));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max address space         1073741824           unlimited            bytes\n";
        let status = "Name:\tsurvsim\nVmSize:\t  102400 kB\n";
        assert_eq!(
            address_space_left(limits, status),
            Some(1_073_741_824 - 102_400 * 1024)
        );
        let unlimited = limits.replace("1073741824", "unlimited ");
        assert_eq!(address_space_left(&unlimited, status), None);
    }

    #[test]
    fn finds_the_cgroups_where_they_are_mounted() {
        let cgroup = "12:memory:/jobs/42\n4:cpu:/\n0::/user.slice/job-42.scope\n";
        let mountinfo = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 /user.slice /sys/fs/cgroup/my\\040unified rw,relatime - cgroup2 cgroup2 rw
";
        assert_eq!(
            cgroup_dirs(cgroup, mountinfo),
            [
                (
                    PathBuf::from("/sys/fs/cgroup/memory/jobs/42"),
                    PathBuf::from("/sys/fs/cgroup/memory"),
                    Version::V1
                ),
                (
                    PathBuf::from("/sys/fs/cgroup/my unified/job-42.scope"),
                    PathBuf::from("/sys/fs/cgroup/my unified"),
                    Version::V2
                ),
            ]
        );
        // Not mounted: nothing to read.
        assert!(cgroup_dirs("0::/a\n", "").is_empty());
    }

    #[test]
    fn the_tightest_cgroup_up_the_tree_counts() {
        let root = tempfile::tempdir().unwrap();
        let job = root.path().join("slice/job");
        std::fs::create_dir_all(&job).unwrap();
        let write =
            |dir: &Path, file: &str, text: &str| std::fs::write(dir.join(file), text).unwrap();
        write(&job, "memory.max", "max\n");
        write(&job, "memory.current", "5000\n");
        assert_eq!(cgroup_left(&job, root.path(), Version::V2), None);
        let slice = root.path().join("slice");
        write(&slice, "memory.max", "1000000\n");
        write(&slice, "memory.current", "250000\n");
        assert_eq!(cgroup_left(&job, root.path(), Version::V2), Some(750_000));
        write(&job, "memory.max", "100000\n");
        assert_eq!(cgroup_left(&job, root.path(), Version::V2), Some(95_000));
        // v1's "no limit".
        write(&job, "memory.limit_in_bytes", "9223372036854771712\n");
        assert_eq!(cgroup_left(&job, root.path(), Version::V1), None);
    }
}
