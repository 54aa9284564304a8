import unicodedata

from nlp.langid import detect_language
from nlp.normalise import clean_text, fold, fold_char, nfc, normalise_tone_marks


def test_nfd_and_nfc_inputs_become_the_same_text():
    word = "Hải Dương hòa bình"
    assert clean_text(unicodedata.normalize("NFD", word)) == clean_text(word) == nfc(word)


def test_a_vowel_with_two_marks_keeps_its_tone():
    # ặ is a + dot below + breve: the dot below belongs to ă, not to the o before it
    for form in ("NFC", "NFD"):
        assert normalise_tone_marks(unicodedata.normalize(form, "hoặc Hoặc HOẶC")) == "hoặc Hoặc HOẶC"


def test_nfc_and_nfd_inputs_get_the_same_tone_placement():
    for text in ("hoà thuỷ khoẻ Hoà UỶ BAN.", "toà nhà, xoè ra, quỷ thần", "hoàn thành quả quà hoạch thuyền"):
        assert normalise_tone_marks(text) == normalise_tone_marks(unicodedata.normalize("NFD", text))


def test_old_tone_placement_is_rewritten_in_open_syllables_only():
    assert normalise_tone_marks("hoà thuỷ khoẻ Hoà UỶ BAN") == "hòa thủy khỏe Hòa ỦY BAN"
    # closed syllables and "qu" keep their marks
    assert normalise_tone_marks("hoàn thành quả quà hoạch thuyền") == "hoàn thành quả quà hoạch thuyền"


def test_fold_keeps_length_and_removes_marks():
    text = "Tỉnh Hải Dương, ĐẠI AN – Đồng"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "tinh hai duong, dai an – dong"


def test_fold_is_fold_char_on_every_character():
    # fold goes through a translation table; it must be fold_char, character by character, everywhere
    every_few_code_points = "".join(chr(i) for i in range(0, 0x110000, 3) if not 0xD800 <= i < 0xE000)
    assert fold(every_few_code_points) == "".join(fold_char(ch) for ch in every_few_code_points)
    assert fold("Ǆ ǅ ǆ ĳ ﬁ") == "".join(fold_char(ch) for ch in "Ǆ ǅ ǆ ĳ ﬁ")


def test_clean_text_drops_controls_and_extra_blank_lines():
    assert clean_text("a\u200b b\r\n\r\n\r\n\tc\ufeff") == "a b\n\nc"


def test_language_identification():
    assert detect_language("Tỉnh Hải Dương đẩy mạnh thu hút đầu tư vào các khu công nghiệp") == "vi"
    assert detect_language("Nguoi dan tinh Hai Duong khong dong y voi quyet dinh cua huyen") == "vi"
    assert detect_language("The province of Hai Duong said on Monday that exports rose") == "en"
    assert detect_language("海阳省的经济发展很快") == "zh"
    assert detect_language("12345 --- !!!") == "und"


def test_unaccented_vietnamese_is_told_apart():
    from nlp.langid import has_diacritics

    assert has_diacritics("Người dân tỉnh Hải Dương phấn khởi đón mùa vải")
    assert not has_diacritics("Nguoi dan tinh Hai Duong phan khoi don mua vai")


def test_clean_text_is_idempotent():
    # stored articles are analysed without cleaning them again (Document.clean)
    samples = ["  Hoà\u00a0 bình \r\n\r\n\r\nthuỷ\u200b lợi\t ", "Khoẻ\x07 mạnh\n \n\nx", "\ufeffĐà\u3000Nẵng  \n\n"]
    for text in samples:
        once = clean_text(text)
        assert clean_text(once) == once


def test_fold_of_a_joined_text_contains_the_fold_of_each_part():
    title, text = "Hoà Bình đổi mới", "Tỉnh Hải Dương\nThủy lợi 𝔸 Ω"
    assert fold(f"{title} {text}")[len(title) + 1:] == fold(text)
