"""A generated corpus of the ways people write personal data into a question, for the
masking of bot/text.py (tests/test_privacy_corpus.py).

    python -m tests.privacy_corpus            the score: forms masked / forms, per kind

Each form is {"kind", "text", "secrets"}: the message as a citizen might type it (with or
without diacritics, the datum split by any separator, written in words, inside a
question about the assistant's subject) and the pieces of the datum that must not be
left after masking: digit runs of 4 or more, the e-mail's parts, the words of a name,
the house number and street. The parts of the question that must stay (province,
commune, the figure asked about) are in "kept". Made-up data only; seeded, so the corpus
is the same on every run.
"""
import random
import re
import sys
import unicodedata

SEED = 22
SEPARATORS = [" ", ".", "-", " - ", "/", " / ", "_", ". ", ", ", ",", " . ", "  "]
DIGIT_WORDS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hạnh", "Khoa", "Lan", "Mai", "Phúc", "Tâm", "Yến"]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Ấp Bắc"]
PLACES = [("xã Tân Phú", "Đồng Tháp"), ("phường 3", "Tiền Giang"), ("xã Hòa Bình", "Tuyên Quang"),
          ("thị trấn Cái Bè", "Tiền Giang"), ("xã Vĩnh Thạnh", "Cần Thơ")]
DOMAINS = [("gmail", "com"), ("yahoo", "com.vn"), ("tiengiang", "gov.vn"), ("outlook", "com")]
QUESTIONS = ["khi nào có cáp quang?", "bao giờ tắt sóng 2G?", "mục tiêu 5G năm 2025 là bao nhiêu?",
             "nhà tôi sóng yếu thì báo ở đâu?", "có được hỗ trợ điện thoại 4G không?"]


def plain(text: str) -> str:
    """Without diacritics, as many people type on a phone."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def _digits(rng: random.Random, first: str, length: int) -> str:
    return first + "".join(rng.choice("0123456789") for _ in range(length - len(first)))


def _split(rng: random.Random, digits: str, sizes: list[int]) -> str:
    separator = rng.choice(SEPARATORS)
    groups, at = [], 0
    for size in sizes:
        groups.append(digits[at:at + size])
        at += size
    if at < len(digits):
        groups.append(digits[at:])
    return separator.join(g for g in groups if g)


def _runs(digits: str) -> list[str]:
    """The pieces that must not survive: every 4-digit window of the number."""
    return [digits[i:i + 4] for i in range(0, len(digits) - 3, 2)]


def _numbers(rng: random.Random) -> list[dict]:
    kinds = [("phone", "09", 10, [[4, 3, 3], [3, 3, 4], [2, 2, 2, 2, 2], [10]], ["sđt", "số điện thoại", "gọi", "zalo"]),
             ("phone", "03", 10, [[4, 3, 3], [3, 4, 3]], ["sdt", "liên hệ", "đt"]),
             ("cccd", "0", 12, [[4, 4, 4], [3, 3, 3, 3], [6, 6], [12], [2, 3, 3, 4]], ["CCCD", "căn cước", "số định danh"]),
             ("cmnd", "", 9, [[3, 3, 3], [9], [2, 3, 4]], ["CMND", "chứng minh"]),
             ("bank", "19", 14, [[4, 4, 4, 2], [14], [3, 3, 4, 4]], ["stk", "số tài khoản", "tk ngân hàng"]),
             ("card", "4", 16, [[4, 4, 4, 4]], ["thẻ", "số thẻ"])]
    forms = []
    for kind, first, length, splits, cues in kinds:
        for sizes in splits:
            for _ in range(4):
                digits = _digits(rng, first or str(rng.randint(1, 9)), length)
                written = _split(rng, digits, sizes)
                if kind == "phone" and rng.random() < 0.3:
                    written = "+84 " + written[1:].lstrip(" .-_/,")
                cue, (commune, province) = rng.choice(cues), rng.choice(PLACES)
                text = rng.choice([f"{cue} {written}, tôi ở {commune} {province}, {rng.choice(QUESTIONS)}",
                                   f"Tôi ở {province}, {cue}: {written}. {rng.choice(QUESTIONS)}",
                                   f"{province}: {rng.choice(QUESTIONS)} {cue} của tôi là {written}"])
                forms.append({"kind": kind, "text": text, "secrets": _runs(digits), "kept": [province]})
    return forms


def _numbers_in_words(rng: random.Random) -> list[dict]:
    forms = []
    for kind, first, length in [("phone", "09", 10), ("phone", "08", 10), ("cccd", "0", 12), ("cmnd", "1", 9)]:
        for _ in range(6):
            digits = _digits(rng, first, length)
            words = [DIGIT_WORDS[int(d)] for d in digits]
            if rng.random() < 0.5:                      # some digits as figures, some in words
                words = [d if rng.random() < 0.3 else w for d, w in zip(digits, words)]
            separator = rng.choice([" ", ", ", " - ", " "])
            written = separator.join(words)
            province = rng.choice(PLACES)[1]
            text = f"số của tôi {written}, ở {province} {rng.choice(QUESTIONS)}"
            if rng.random() < 0.4:
                text = plain(text)
                written = plain(written)
            # what must go: the words themselves (any 4 in a row) and the digits
            secrets = [separator.join(words[i:i + 4]) for i in range(0, len(words) - 3, 3)]
            forms.append({"kind": f"{kind}_words", "text": text,
                          "secrets": [plain(s) if text.isascii() else s for s in secrets],
                          "kept": [plain(province) if text.isascii() else province]})
    return forms


def _emails(rng: random.Random) -> list[dict]:
    forms = []
    ats = ["@", " @ ", " @", "@ ", " [at] ", "(at)", " a còng ", " (at) "]
    dots = [".", " . ", " chấm ", " [dot] ", ". ", " dot "]
    for at in ats:
        for dot in dots[:4] if at != "@" else dots:
            local = rng.choice(["lan.nguyen", "tranvanan", "binh_le88", "mai.pham2", "yen.do"])
            domain, tld = rng.choice(DOMAINS)
            written = f"{local}{at}{domain}{dot}{tld.replace('.', dot)}"
            province = rng.choice(PLACES)[1]
            text = f"Email của tôi là {written} , tôi ở {province} {rng.choice(QUESTIONS)}"
            forms.append({"kind": "email", "text": text, "secrets": [local, domain],
                          "kept": [province]})
    return forms


def _names(rng: random.Random) -> list[dict]:
    cues = ["tên tôi là", "Tên tôi là", "tôi tên là", "tôi tên", "em tên là", "mình tên", "họ và tên:",
            "họ tên:", "tên của tôi là", "tôi là ông", "tôi là bà", "tên em là", "cháu tên là"]
    forms = []
    for cue in cues:
        for _ in range(4):
            name = [rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN)]
            if rng.random() < 0.3:
                name = name[-1:]                         # a given name only
            written = " ".join(name)
            commune, province = rng.choice(PLACES)
            text = rng.choice([f"Xin chào, {cue} {written}, tôi ở {commune} {province}, {rng.choice(QUESTIONS)}",
                               f"{cue} {written} ở {province} muốn hỏi {rng.choice(QUESTIONS)}",
                               f"{cue} {written}. {province}: {rng.choice(QUESTIONS)}"])
            kept = [province]
            if rng.random() < 0.4:
                text, written, kept = plain(text), plain(written), [plain(province)]
            if rng.random() < 0.3:
                text, written = text.lower(), written.lower()
            forms.append({"kind": "name", "text": text, "secrets": [" ".join(written.split()[-2:])], "kept": kept})
    return forms


def _addresses(rng: random.Random) -> list[dict]:
    cues = ["nhà tôi ở số", "nhà tôi ở", "địa chỉ:", "địa chỉ của tôi là", "địa chỉ nhà tôi là", "số nhà",
            "tôi ở", "nhà em ở số", "gia đình tôi sống tại số"]
    forms = []
    for cue in cues:
        for _ in range(3):
            number = f"{rng.randint(2, 389)}" + (f"/{rng.randint(2, 40)}" if rng.random() < 0.4 else "")
            street = rng.choice(STREETS)
            lane = rng.choice(["", f"ngõ {rng.randint(2, 99)} ", f"hẻm {rng.randint(2, 99)} ", f"kiệt {rng.randint(2, 50)} "])
            commune, province = rng.choice(PLACES)
            written = f"{number} {lane}đường {street}" if cue.endswith("số") or rng.random() < 0.5 \
                else f"số {number} {lane}đường {street}"
            text = f"{cue[0].upper() + cue[1:]} {written}, {commune}, {province}, {rng.choice(QUESTIONS)}"
            kept = [commune, province]
            if rng.random() < 0.4:
                text, street, kept = plain(text), plain(street), [plain(commune), plain(province)]
            forms.append({"kind": "address", "text": text, "secrets": [number, street], "kept": kept})
    return forms


def corpus() -> list[dict]:
    rng = random.Random(SEED)
    return _numbers(rng) + _numbers_in_words(rng) + _emails(rng) + _names(rng) + _addresses(rng)


def leaks(form: dict, masked: str) -> list[str]:
    """The secrets still readable in the masked text (digits compared without separators)."""
    squeezed = re.sub(r"[\s.\-_/,]", "", masked)
    found = []
    for secret in form["secrets"]:
        if secret.isdigit() and len(secret) >= 4:
            if secret in squeezed:
                found.append(secret)
        elif re.search(rf"(?<!\w){re.escape(secret.lower())}(?!\w)", masked.lower()):
            found.append(secret)
    return found


def score(scrub) -> dict:
    """{"forms", "masked", "kept_lost", "by_kind": {kind: [masked, forms]}, "failures": [...]}"""
    forms = corpus()
    by_kind: dict[str, list[int]] = {}
    failures, kept_lost = [], 0
    for form in forms:
        masked = scrub(form["text"])
        leaked = leaks(form, masked)
        lost = [k for k in form["kept"] if k.lower() not in masked.lower()]
        kept_lost += bool(lost)
        tally = by_kind.setdefault(form["kind"], [0, 0])
        tally[0] += not leaked
        tally[1] += 1
        if leaked or lost:
            failures.append({"text": form["text"], "masked": masked, "leaked": leaked, "lost": lost})
    return {"forms": len(forms), "masked": sum(t[0] for t in by_kind.values()), "kept_lost": kept_lost,
            "by_kind": by_kind, "failures": failures}


if __name__ == "__main__":
    from bot.text import scrub

    result = score(scrub)
    print(f"masked {result['masked']} of {result['forms']} forms; "
          f"{result['kept_lost']} lost a place they must keep")
    for kind, (masked, total) in result["by_kind"].items():
        print(f"  {kind:14} {masked}/{total}")
    for failure in result["failures"][: int(sys.argv[1]) if len(sys.argv) > 1 else 20]:
        print(f"- {failure['text']}\n  → {failure['masked']}  leaked={failure['leaked']} lost={failure['lost']}")
