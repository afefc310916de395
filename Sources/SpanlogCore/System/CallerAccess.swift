#if canImport(Glibc)
import Glibc
#endif

/// Files a user names on the command line are opened with that user's own permissions, even when
/// spanlog runs with capabilities that could read or write more (CAP_DAC_READ_SEARCH,
/// CAP_DAC_OVERRIDE): `access()` judges with the real uid, so a file the caller could not open
/// without spanlog is refused. Root callers are not checked: they could open it anyway.
public enum CallerAccess {
    public static var callerIsRoot: Bool { getuid() == 0 }

    /// Why the caller may not read `path`, or nil when they may.
    public static func refusalToRead(_ path: String) -> String? {
        guard !callerIsRoot, path != "-", access(path, R_OK) != 0 else { return nil }
        return "\(path) is not readable by you (uid \(getuid())): \(String(cString: strerror(errno)))"
    }

    /// Why the caller may not create or write `path`, or nil when they may.
    public static func refusalToWrite(_ path: String) -> String? {
        guard !callerIsRoot, path != "-" else { return nil }
        if access(path, F_OK) == 0 {
            return access(path, W_OK) == 0 ? nil
                : "\(path) is not writable by you (uid \(getuid())): \(String(cString: strerror(errno)))"
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return access(directory.isEmpty ? "/" : directory, W_OK | X_OK) == 0 ? nil
            : "you (uid \(getuid())) cannot create files in \(directory.isEmpty ? "/" : directory)"
    }
}
