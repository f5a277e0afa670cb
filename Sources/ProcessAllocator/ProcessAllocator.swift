import CJemalloc

#if canImport(Glibc)
    import Glibc
#endif

/// Which library serves this process's `malloc`: jemalloc, which the node's executables link (ADR 0024), or
/// the C library's.
///
/// Linking jemalloc replaces the allocator only when the dynamic linker finds its `malloc` before the C
/// library's; a build or a platform that loads them the other way round would run on glibc's allocator
/// without a word. `sbp --version`, the node's start log and the benchmarks' headers say which one answered,
/// so a figure or a memory report can be traced to the allocator that produced it.
public enum ProcessAllocator {
    /// "jemalloc 5.3.0-…" when jemalloc serves `malloc`, else the file of the library that does.
    public static let description: String = {
        let library = mallocLibrary ?? "an unknown library"
        guard library.contains("jemalloc") else { return "malloc of \(library)" }
        return "jemalloc \(jemallocVersion ?? "(version unknown)")"
    }()

    /// The path of the shared object whose `malloc` the dynamic linker resolves for this process.
    static var mallocLibrary: String? {
        guard let symbol = dlsym(nil, "malloc") else { return nil }
        var info = sbp_dl_info()
        guard dladdr(symbol, &info) != 0, let name = info.dli_fname else { return nil }
        return String(cString: name)
    }

    /// jemalloc's version string (`mallctl("version")`), nil when the library does not answer.
    static var jemallocVersion: String? {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return nil }
        return String(cString: version)
    }
}
