// Text of postal scans: Tesseract (Debian tesseract-ocr, French model
// tesseract-ocr-fra) for images; for a PDF, its own text when it has some
// (poppler's pdftotext), else its pages rasterised by pdftoppm, then OCR'd.
//
// The tools run as child processes (no shell: arguments are passed as an
// argv) in a private temporary directory, each with a time limit; their
// output is bounded. Thread-safe: each call has its own directory.
#pragma once

#include <chrono>
#include <string>

#include "domain/counter.hpp"

namespace guichet::channels::postal {

struct OcrOptions {
  std::string tesseract = "tesseract";
  std::string pdftotext = "pdftotext";
  std::string pdftoppm = "pdftoppm";
  std::string languages = "fra";  // tesseract -l
  // Pages of a PDF read at most: a letter, not a book.
  int max_pages = 10;
  // One tool run at most; a page of OCR takes seconds.
  std::chrono::seconds timeout{120};
  // A PDF whose own text has fewer letters than this is taken as a scan.
  size_t min_pdf_text = 20;
};

class TesseractExtractor final : public domain::TextExtractor {
 public:
  explicit TesseractExtractor(OcrOptions options) : options_(std::move(options)) {}
  Result<std::string> Extract(const std::string& content_type, const std::string& bytes) override;

 private:
  OcrOptions options_;
};

}  // namespace guichet::channels::postal
