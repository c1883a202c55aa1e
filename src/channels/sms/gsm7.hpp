// How an SMS is encoded and how many segments it costs (3GPP TS 23.038).
//
// A text made only of characters of the GSM 03.38 default alphabet (and its
// extension table, whose characters take two septets) goes as GSM-7: 160
// septets in one SMS, 153 per segment once concatenated. Any other character
// (ê, ç, ’, emoji…) makes the whole text UCS-2: 70 UTF-16 units, 67 per
// segment. A two-septet character or a surrogate pair is never split between
// two segments.
#pragma once

#include <string_view>

namespace guichet::channels::sms {

enum class SmsEncoding { kGsm7, kUcs2 };

struct SmsLength {
  SmsEncoding encoding = SmsEncoding::kGsm7;
  int units = 0;     // septets (GSM-7) or UTF-16 code units (UCS-2)
  int segments = 0;  // 0 for an empty text
};

// `utf8` must be valid UTF-8 (invalid bytes count as UCS-2 replacement characters).
SmsLength MeasureSms(std::string_view utf8);

// Septets of one code point in GSM-7: 1 (default alphabet), 2 (extension
// table), 0 when GSM-7 cannot carry it.
int GsmSeptets(char32_t c);

}  // namespace guichet::channels::sms
