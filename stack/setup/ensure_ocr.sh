#!/usr/bin/env bash
# Debian's Tesseract OCR with its Vietnamese model, installed once (needs root or
# sudo): index/plans/readers.py reads scanned PDF pages with it through pytesseract.
set -euo pipefail
has_vietnamese_ocr() { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; }
has_vietnamese_ocr && exit 0
"$(dirname "$0")/apt_install.sh" "OCR of scanned plans" tesseract-ocr tesseract-ocr-vie
has_vietnamese_ocr
