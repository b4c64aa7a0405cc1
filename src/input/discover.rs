//! Turning command-line PATHs into the ordered list of sources to read.

use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{cause, SourceSpec};
use crate::host::{host_from_file_name, RotName};

/// The sources named by `paths`, in reading order:
/// - PATHs in command-line order; `-` is stdin;
/// - a directory is searched recursively: entries sorted by name, except that a rotated set
///   (`syslog.2.gz`, `syslog.1`, `syslog`; `syslog-20261120`, `syslog`) is read oldest
///   first; hidden entries (name starting with `.`) skipped; symlinks followed, but a
///   directory already visited in this walk is not entered again (no loops); sockets, FIFOs
///   and devices found in a walk are skipped (named directly, they are read);
/// - consecutive files named directly that form one rotated set in one directory (a shell
///   glob such as `/var/log/syslog*`) are likewise put oldest first.
///
/// A missing or unreadable path is reported as `path: cause` in `errors`; the rest goes on.
pub fn discover(paths: &[String], errors: &mut Vec<String>) -> Vec<SourceSpec> {
    let mut out = Vec::new();
    // Start of the current run of directly named files, for glob reordering.
    let mut direct_run = 0;
    for arg in paths {
        if arg == "-" {
            out.push(SourceSpec::stdin());
            direct_run = out.len();
            continue;
        }
        let path = Path::new(arg);
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{arg}: {}", cause(&e)));
                continue;
            }
        };
        if meta.is_dir() {
            let host = dir_own_name(path);
            let mut visited = HashSet::new();
            visited.insert((meta.dev(), meta.ino()));
            walk(path, None, &host, &mut visited, &mut out, errors);
            direct_run = out.len();
        } else {
            let name =
                path.file_name().map_or_else(|| arg.clone(), |n| n.to_string_lossy().into_owned());
            out.push(SourceSpec {
                path: path.to_path_buf(),
                display: arg.clone(),
                host: host_from_file_name(&name),
                is_stdin: false,
                named: true,
            });
            order_glob_run(&mut out[direct_run..]);
        }
    }
    out
}

/// The name a directory PATH goes by: its last component, or, for `.`, `..` and the like,
/// the last component of its canonical form.
fn dir_own_name(path: &Path) -> String {
    let named = path.components().next_back().and_then(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
        _ => None,
    });
    named
        .or_else(|| {
            fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}

/// Walks `dir` (the command-line PATH joined with the relative path so far). `first` is the
/// first directory below PATH on the way, once there is one; files directly in PATH take
/// `root_host`.
fn walk(
    dir: &Path,
    first: Option<&str>,
    root_host: &str,
    visited: &mut HashSet<(u64, u64)>,
    out: &mut Vec<SourceSpec>,
    errors: &mut Vec<String>,
) {
    let reader = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            errors.push(format!("{}: {}", dir.display(), cause(&e)));
            return;
        }
    };
    let mut entries: Vec<(RotName, std::ffi::OsString)> = Vec::new();
    for entry in reader {
        match entry {
            Ok(entry) => {
                let name = entry.file_name();
                if name.as_bytes().starts_with(b".") {
                    continue;
                }
                entries.push((RotName::parse(name.as_bytes()), name));
            }
            Err(e) => errors.push(format!("{}: {}", dir.display(), cause(&e))),
        }
    }
    entries.sort_by(|a, b| a.0.cmp_read_order(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (_, name) in entries {
        let path = dir.join(&name);
        // fs::metadata follows symlinks: a link to a file is that file.
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{}: {}", path.display(), cause(&e)));
                continue;
            }
        };
        if meta.is_dir() {
            if !visited.insert((meta.dev(), meta.ino())) {
                continue;
            }
            let name = name.to_string_lossy();
            walk(&path, Some(first.unwrap_or(&name)), root_host, visited, out, errors);
        } else if meta.is_file() {
            // Kept to the end of the run, one per file: no slack past the name.
            let mut path = path;
            path.shrink_to_fit();
            out.push(SourceSpec {
                display: path.to_string_lossy().into_owned(),
                path,
                host: first.unwrap_or(root_host).to_string(),
                is_stdin: false,
                named: false,
            });
        }
    }
}

/// Puts the last pushed spec in rotation order among the directly named files before it in
/// `run`, when they belong to one rotated set in one directory.
fn order_glob_run(run: &mut [SourceSpec]) {
    let Some((last, before)) = run.split_last_mut() else {
        return;
    };
    let key = |s: &SourceSpec| -> (PathBuf, RotName) {
        let parent = s.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = s.path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
        (parent, RotName::parse(name))
    };
    let (parent, rot) = key(last);
    // The run of the same set that ends just before `last`.
    let mut from = before.len();
    while from > 0 {
        let (p, r) = key(&before[from - 1]);
        if p != parent || r.base != rot.base {
            break;
        }
        from -= 1;
    }
    let set = &mut run[from..];
    set.sort_by(|a, b| key(a).1.cmp_read_order(&key(b).1));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"x\n").unwrap();
    }

    fn run(args: &[String]) -> (Vec<(String, String)>, Vec<String>) {
        let mut errors = Vec::new();
        let specs = discover(args, &mut errors);
        (specs.into_iter().map(|s| (s.display, s.host)).collect(), errors)
    }

    fn s(p: &Path) -> String {
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn host_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let logs = tmp.path().join("logs");
        touch(&logs, "web01/app.log");
        touch(&logs, "web01/sub/deep.log");
        touch(&logs, "top.log");
        let (got, errors) = run(&[s(&logs)]);
        assert!(errors.is_empty());
        assert_eq!(
            got,
            [
                (s(&logs.join("top.log")), "logs".to_string()),
                (s(&logs.join("web01/app.log")), "web01".to_string()),
                (s(&logs.join("web01/sub/deep.log")), "web01".to_string()),
            ]
        );
        let (got, _) = run(&[s(&logs.join("web01"))]);
        assert_eq!(got[0], (s(&logs.join("web01/app.log")), "web01".to_string()));
        // The first directory below PATH, as the SPEC says, even below a host directory.
        assert_eq!(got[1], (s(&logs.join("web01/sub/deep.log")), "sub".to_string()));
        let (got, _) = run(&[format!("{}/", s(&logs.join("web01")))]);
        assert_eq!(got[0].1, "web01");
        let (got, _) = run(&[s(&logs.join("web01/app.log"))]);
        assert_eq!(got, [(s(&logs.join("web01/app.log")), "app".to_string())]);
        let (got, _) = run(&["-".to_string()]);
        assert_eq!(got, [("-".to_string(), "-".to_string())]);
    }

    #[test]
    fn dot_path_takes_directory_name() {
        let tmp = tempfile::tempdir().unwrap();
        let web = tmp.path().join("web07");
        touch(&web, "a.log");
        let (got, _) = run(&[format!("{}/.", s(&web))]);
        assert_eq!(got[0].1, "web07");
    }

    #[test]
    fn rotation_order_hidden_and_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        for f in [
            "syslog",
            "syslog.1",
            "syslog.2.gz",
            "syslog.3.gz",
            "auth.log-20261120",
            "auth.log",
            "auth.log-20261119.gz",
            ".hidden.log",
            ".git/config",
            "b/x.log",
        ] {
            touch(d, f);
        }
        let missing = s(&d.join("missing.log"));
        let (got, errors) = run(&[s(d), missing.clone()]);
        let names: Vec<String> =
            got.iter().map(|(p, _)| p.strip_prefix(&s(d)).unwrap().to_string()).collect();
        assert_eq!(
            names,
            [
                "/auth.log-20261119.gz",
                "/auth.log-20261120",
                "/auth.log",
                "/b/x.log",
                "/syslog.3.gz",
                "/syslog.2.gz",
                "/syslog.1",
                "/syslog",
            ]
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with(&format!("{missing}: ")), "{errors:?}");
        assert!(!errors[0].contains('\n'));
    }

    #[test]
    fn glob_order_and_command_line_order() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        for f in ["syslog", "syslog.1", "syslog.2.gz", "b.log", "a.log"] {
            touch(d, f);
        }
        let args: Vec<String> = ["b.log", "syslog", "syslog.1", "syslog.2.gz", "a.log"]
            .iter()
            .map(|f| s(&d.join(f)))
            .collect();
        let (got, _) = run(&args);
        let names: Vec<&str> = got.iter().map(|(p, _)| p.rsplit('/').next().unwrap()).collect();
        assert_eq!(names, ["b.log", "syslog.2.gz", "syslog.1", "syslog", "a.log"]);
        assert_eq!(got[1].1, "syslog");
    }

    #[test]
    fn symlinks_followed_without_loops() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("logs");
        touch(&d, "web01/app.log");
        touch(tmp.path(), "outside/real.log");
        std::os::unix::fs::symlink(tmp.path().join("outside/real.log"), d.join("web01/link.log"))
            .unwrap();
        std::os::unix::fs::symlink(&d, d.join("web01/loop")).unwrap();
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling.log")).unwrap();
        let (got, errors) = run(&[s(&d)]);
        let names: Vec<&str> = got.iter().map(|(p, _)| p.rsplit('/').next().unwrap()).collect();
        assert_eq!(names, ["app.log", "link.log"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("dangling.log"));
    }
}
