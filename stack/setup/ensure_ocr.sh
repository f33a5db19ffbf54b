#!/usr/bin/env bash
# Debian's Tesseract OCR with its Vietnamese model (scanned PDF plans, read by
# index/plans/readers.py through pytesseract) and poppler-utils (pdftoppm renders the
# pages of the OCR tests), installed once (needs root or sudo).
set -euo pipefail
if command -v tesseract >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 \
        && tesseract --list-langs 2>/dev/null | grep -qx vie; then
    exit 0
fi
echo "installing Debian's tesseract-ocr, tesseract-ocr-vie and poppler-utils..."
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: OCR tools are missing and neither root nor sudo is available; install the Debian packages" \
         "tesseract-ocr tesseract-ocr-vie poppler-utils" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-vie poppler-utils >/dev/null
tesseract --list-langs 2>/dev/null | grep -qx vie
