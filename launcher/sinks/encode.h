/* encode.h: the encodings a json log writes a record's bytes in. */
#ifndef DTEE_ENCODE_H
#define DTEE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>

/* The bytes are well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
bool utf8_valid(const unsigned char *s, size_t len);

/* The most bytes json_escape writes for len bytes. */
#define JSON_ESCAPED_MAX(len) (6 * (len))
/* JSON string contents for valid UTF-8: '"' and '\' escaped, and every
 * control character (U+0000-U+001F, U+007F). Returns the length. */
size_t json_escape(char *out, const unsigned char *s, size_t len);

/* The length of the base64 of len bytes. */
#define BASE64_LEN(len) (((len) + 2) / 3 * 4)
/* Base64, standard alphabet, padded. Returns the length. */
size_t base64_encode(char *out, const unsigned char *s, size_t len);

#endif
