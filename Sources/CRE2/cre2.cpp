#include "cre2.h"

#include <re2/re2.h>
#include <cstdio>
#include <cstring>
#include <string>

struct flowtrail_re2 {
    re2::RE2 re;
    flowtrail_re2(re2::StringPiece pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

extern "C" flowtrail_re2 *flowtrail_re2_new(const char *pattern, size_t length, int64_t max_mem, char *error, size_t error_size) {
    re2::RE2::Options options;
    options.set_encoding(re2::RE2::Options::EncodingUTF8);
    options.set_log_errors(false);
    options.set_max_mem(max_mem);
    flowtrail_re2 *re = new (std::nothrow) flowtrail_re2(re2::StringPiece(pattern, length), options);
    if (re == nullptr) {
        std::snprintf(error, error_size, "out of memory");
        return nullptr;
    }
    if (!re->re.ok()) {
        std::snprintf(error, error_size, "%s", re->re.error().c_str());
        delete re;
        return nullptr;
    }
    return re;
}

extern "C" int flowtrail_re2_partial_match(const flowtrail_re2 *re, const char *text, size_t length) {
    return re2::RE2::PartialMatch(re2::StringPiece(text, length), re->re) ? 1 : 0;
}

extern "C" int flowtrail_re2_program_size(const flowtrail_re2 *re) {
    return re->re.ProgramSize();
}

extern "C" void flowtrail_re2_free(flowtrail_re2 *re) {
    delete re;
}
