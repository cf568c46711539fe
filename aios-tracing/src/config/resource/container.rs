//! `container.id`, from the process's cgroup paths (cgroup v1, and v2 when
//! the container shares the host's cgroup namespace), else from the mount
//! of `/etc/hostname` that Docker and Podman bind from the container's
//! own directory (cgroup v2 with a private cgroup namespace, where the
//! cgroup path is just `/`).

use opentelemetry::KeyValue;

pub(super) fn detect() -> Option<KeyValue> {
    let read = |path| std::fs::read_to_string(path).ok();
    let id = read("/proc/self/cgroup")
        .as_deref()
        .and_then(from_cgroup)
        .map(str::to_owned)
        .or_else(|| {
            read("/proc/self/mountinfo")
                .as_deref()
                .and_then(from_mountinfo)
                .map(str::to_owned)
        })?;
    Some(KeyValue::new("container.id", id))
}

/// Runtimes name a container by 64 hex digits.
fn is_container_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The id in a `/proc/self/cgroup` file (`hierarchy:controllers:path`
/// lines): the path segment nearest its end that is, once a runtime's
/// prefix (`docker-`, `cri-containerd-`, `crio-`, `libpod-`) and suffix
/// (`.scope`) are taken off, an id. Podman under systemd nests one more
/// segment below the container's, hence not just the last.
fn from_cgroup(file: &str) -> Option<&str> {
    file.lines()
        .filter_map(|line| line.splitn(3, ':').nth(2))
        .find_map(|path| {
            path.rsplit('/').find_map(|segment| {
                let name = segment.strip_suffix(".scope").unwrap_or(segment);
                let id = name.rsplit(['-', ':']).next()?;
                is_container_id(id).then_some(id)
            })
        })
}

/// The id in a `/proc/self/mountinfo` file: in the source path of the
/// `/etc/hostname` mount, the segment after `containers` (Docker) or
/// `overlay-containers` (Podman). Kubernetes' runtimes mount it from the
/// pod sandbox's directory instead, whose id is not the container's.
fn from_mountinfo(file: &str) -> Option<&str> {
    file.lines().find_map(|line| {
        let (mount, _) = line.split_once(" - ")?;
        let mut fields = mount.split_whitespace();
        let root = fields.nth(3)?;
        if fields.next()? != "/etc/hostname" {
            return None;
        }
        let segments: Vec<&str> = root.split('/').collect();
        segments.windows(2).find_map(|pair| {
            (matches!(pair[0], "containers" | "overlay-containers") && is_container_id(pair[1]))
                .then_some(pair[1])
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample files as the kernel writes them in each setting.
    macro_rules! sample {
        ($name:literal) => {
            include_str!(concat!("testdata/", $name))
        };
    }

    const DOCKER_ID: &str = "3c1a9f0d6f7e4b2a8c5d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
    const K8S_ID: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const PODMAN_ID: &str = "e4b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn cgroup_v1_docker() {
        assert_eq!(from_cgroup(sample!("cgroup-v1-docker")), Some(DOCKER_ID));
    }

    #[test]
    fn cgroup_v1_kubernetes_cgroupfs_driver() {
        assert_eq!(from_cgroup(sample!("cgroup-v1-kubepods")), Some(K8S_ID));
    }

    #[test]
    fn cgroup_v1_kubernetes_systemd_driver_with_containerd() {
        assert_eq!(
            from_cgroup(sample!("cgroup-v1-kubepods-systemd")),
            Some(K8S_ID)
        );
    }

    #[test]
    fn cgroup_v2_sharing_the_hosts_namespace() {
        assert_eq!(
            from_cgroup(sample!("cgroup-v2-docker-host-ns")),
            Some(DOCKER_ID)
        );
    }

    #[test]
    fn cgroup_v2_podman_under_systemd() {
        assert_eq!(from_cgroup(sample!("cgroup-v2-podman")), Some(PODMAN_ID));
    }

    #[test]
    fn cgroup_v2_private_namespace_falls_back_to_the_hostname_mount() {
        assert_eq!(from_cgroup(sample!("cgroup-v2-private-ns")), None);
        assert_eq!(from_mountinfo(sample!("mountinfo-docker")), Some(DOCKER_ID));
        assert_eq!(from_mountinfo(sample!("mountinfo-podman")), Some(PODMAN_ID));
    }

    #[test]
    fn no_id_outside_a_container() {
        assert_eq!(from_cgroup(sample!("cgroup-v1-host")), None);
        assert_eq!(from_cgroup(sample!("cgroup-v2-host")), None);
        assert_eq!(from_mountinfo(sample!("mountinfo-host")), None);
    }

    #[test]
    fn a_kubernetes_sandbox_is_not_taken_for_the_container() {
        assert_eq!(from_mountinfo(sample!("mountinfo-k8s-containerd")), None);
    }

    #[test]
    fn ids_are_64_hex_digits() {
        assert!(is_container_id(DOCKER_ID));
        assert!(!is_container_id(&DOCKER_ID[..63]));
        assert!(!is_container_id(&format!("{}g", &DOCKER_ID[..63])));
        assert_eq!(from_cgroup("0::/"), None);
        assert_eq!(from_cgroup("garbage without colons"), None);
        assert_eq!(from_mountinfo("short line"), None);
    }

    #[test]
    fn detection_on_this_machine_does_not_fail() {
        // In a container or not, whichever this is.
        if let Some(kv) = detect() {
            assert!(is_container_id(kv.value.as_str().as_ref()));
        }
    }
}
