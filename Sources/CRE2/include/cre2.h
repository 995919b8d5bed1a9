// A small C interface to RE2 (Debian's libre2-dev), for CEL's matches(): RE2 is the engine
// cel-go uses, so the syntax is exactly CEL's, matching time is linear in the text, and each
// compiled pattern's memory is bounded (max_mem).
#ifndef FLOWTRAIL_CRE2_H
#define FLOWTRAIL_CRE2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct flowtrail_re2 flowtrail_re2;

/// Compiles `pattern` (UTF-8, `length` bytes) with at most `max_mem` bytes for the compiled
/// program and its matching caches. Returns NULL on failure, with RE2's reason in `error`.
flowtrail_re2 *flowtrail_re2_new(const char *pattern, size_t length, int64_t max_mem, char *error, size_t error_size);

/// Whether the pattern matches anywhere in `text` (RE2::PartialMatch, as Go's MatchString).
int flowtrail_re2_partial_match(const flowtrail_re2 *re, const char *text, size_t length);

/// The compiled program's size (RE2::ProgramSize), a measure of its memory.
int flowtrail_re2_program_size(const flowtrail_re2 *re);

void flowtrail_re2_free(flowtrail_re2 *re);

#ifdef __cplusplus
}
#endif

#endif
