//! The allocator's settings for a command that runs once and ends (the binary, and the timing
//! harness in `examples/`, whose figures should be the binary's).

/// mimalloc's option `mi_option_purge_delay`: the 16th in its list of options (in v2 and v3).
pub const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A command that runs once and ends keeps the memory its threads free, for their next
/// allocations, instead of handing it back to the system (mimalloc "purges" freed pages even
/// with its purge delay set long, and the kernel must clear each page again when it is next
/// used: some 200 MB in a build of the 1,000-chapter manual after one chapter's edit, which
/// then took 7% longer). The system takes all of it back when the process ends. `serve` runs
/// for hours, so it keeps mimalloc's default and hands memory back.
pub fn keep_freed_memory() {
    // SAFETY: this sets a number in mimalloc's table of options, which is read while it
    // allocates; -1 ("never purge") is one of its documented values.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_set_is_the_purge_delay() {
        // Its default, 1 second in mimalloc v3, picks it out from its neighbours (all 0, 1,
        // 100 or flags), so that a mimalloc with its options in another order fails here.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads a number from mimalloc's table of options.
            let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
        super::keep_freed_memory();
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) },
            -1
        );
    }
}
