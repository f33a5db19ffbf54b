"""Greetings, thanks, help, and a polite decline for what is out of scope."""
from actions.reply import Reply

CAPABILITIES = ("Tôi trả lời về kế hoạch phát triển hạ tầng số của Tiền Giang, Tuyên Quang, Sóc Trăng, "
                "Hậu Giang, Bình Phước (mục tiêu, hiện trạng, nhiệm vụ của các cơ quan, thông tin văn bản, "
                "so sánh giữa các tỉnh), về hỗ trợ điện thoại thông minh cho hộ nghèo, cận nghèo và lộ trình "
                "tắt sóng 2G.")

EXAMPLES = [
    {"title": "Mục tiêu cáp quang Bình Phước", "payload": "Bình Phước đặt mục tiêu hộ gia đình có cáp quang bao nhiêu?"},
    {"title": "Khi nào tắt sóng 2G?", "payload": "Khi nào tắt sóng 2G?"},
    {"title": "Tôi có được hỗ trợ điện thoại?", "payload": "Tôi có được hỗ trợ điện thoại thông minh không?"},
    {"title": "Nhiệm vụ Sở Xây dựng Hậu Giang", "payload": "Sở Xây dựng Hậu Giang phải làm gì?"},
]

_REPLIES = {
    "greet": "Xin chào! " + CAPABILITIES + " Bạn muốn hỏi gì?",
    "goodbye": "Tạm biệt bạn! Khi cần, bạn cứ quay lại hỏi tiếp.",
    "thank": "Rất vui được giúp bạn. Bạn còn câu hỏi nào khác không?",
    "bot_help": CAPABILITIES + " Ví dụ: hãy bấm một câu hỏi bên dưới.",
    "affirm": "Vâng. Bạn cần hỏi gì thêm?",
    "deny": "Vâng. Nếu cần, bạn cứ hỏi tiếp nhé.",
    "cancel": "Đã dừng. Bạn có thể hỏi câu khác bất cứ lúc nào.",
}


def answer_chitchat(intent: str) -> Reply:
    buttons = EXAMPLES if intent in ("greet", "bot_help") else []
    return Reply("chitchat", _REPLIES[intent], buttons=buttons)


def answer_out_of_scope() -> Reply:
    return Reply("out_of_scope", "Xin lỗi, câu hỏi này nằm ngoài phạm vi của tôi. " + CAPABILITIES,
                 buttons=EXAMPLES[:3])
