#!/usr/bin/env bash
# Debian's Tesseract OCR with its Vietnamese model, installed once (needs root or
# sudo): index/plans/readers.py reads scanned PDF pages with it through pytesseract.
set -euo pipefail
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; then
    exit 0
fi
echo "installing Debian's tesseract-ocr and tesseract-ocr-vie..."
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: OCR tools are missing and neither root nor sudo is available; install the Debian packages" \
         "tesseract-ocr tesseract-ocr-vie" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-vie >/dev/null
tesseract --list-langs 2>/dev/null | grep -qx vie
