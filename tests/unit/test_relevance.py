"""Relevance tiers and every distractor class named in the design."""

import pytest
import yaml

from config.settings import default_config_dir
from nlp.relevance import Gazetteer, assess

GAZ = Gazetteer.from_dict(yaml.safe_load((default_config_dir() / "gazetteer.yaml").read_text("utf-8")))
FILLER = " Các đơn vị tiếp tục triển khai kế hoạch năm theo đúng tiến độ đề ra." * 30


def tier(title: str, text: str) -> str:
    return assess(title, text, GAZ).tier


@pytest.mark.parametrize("title,text", [
    ("Hải Dương thu hút 500 triệu USD vốn FDI", "UBND tỉnh Hải Dương cho biết nhiều dự án mới."),
    ("Nong dan tinh Hai Duong thu hoach vai", "Nguoi dan tinh Hai Duong phan khoi vi duoc mua."),
    ("Factory fire in Hai Duong injures three", "A fire broke out in Cam Giang district of Hai Duong."),
    ("Lễ hội mùa thu Côn Sơn – Kiếp Bạc khai mạc", "Lễ hội ở Chí Linh thu hút hàng vạn du khách."),
    ("Vụ vải sớm", "Nông dân huyện Thanh Hà bắt đầu thu hoạch vải thiều Thanh Hà từ sáng sớm."),
    ("Hải Phòng (Hải Dương cũ) khởi công cầu mới", "Cầu nối Kinh Môn với Kim Thành dài 1,2 km."),
])
def test_focus(title, text):
    assert tier(title, text) == "focus"


def test_mention_in_a_list_of_provinces():
    text = ("Tăng trưởng công nghiệp miền Bắc tiếp tục dẫn đầu." + FILLER +
            " Các tỉnh Bắc Ninh, Hưng Yên, Hải Dương, Vĩnh Phúc có chỉ số sản xuất tăng." + FILLER)
    assert tier("Công nghiệp miền Bắc tăng trưởng", text) == "mention"


@pytest.mark.parametrize("title,text", [
    # the common noun: ocean, oceanography
    ("Viện Hải dương học công bố nghiên cứu san hô", "Các nhà hải dương học tại Nha Trang khảo sát rạn san hô."),
    ("Bảo tàng biển mở cửa", "Triển lãm về hải dương mênh mông và sinh vật biển sâu."),
    # a ship
    ("Tàu Hải Dương 08 cập cảng Quy Nhơn", "Tàu Hải Dương 08 chở 20 tấn cá về cảng."),
    # a person
    ("Ca sĩ Nguyễn Hải Dương ra mắt album", "Nguyễn Hải Dương sinh năm 1995 tại TP.HCM."),
    ("Badminton: Nguyen Hai Duong wins in Sydney", "Nguyen Hai Duong beat the top seed."),
    # a company elsewhere
    ("Công ty Hải Dương ở Bình Dương tuyển dụng", "Công ty Hải Dương có trụ sở tại Thủ Dầu Một."),
    # a parish elsewhere
    ("Giáo xứ Hải Dương ở Nghệ An mừng lễ", "Giáo xứ Hải Dương thuộc giáo phận Vinh."),
    # places elsewhere sharing a district's name
    ("Làng gốm Thanh Hà đón khách", "Làng gốm Thanh Hà ở Hội An, Quảng Nam thu hút du khách."),
    ("Cửa khẩu Kim Thành thông quan", "Cửa khẩu Kim Thành ở Lào Cai đông xe hàng."),
    ("Phường Gia Lộc phát triển", "Phường Gia Lộc thuộc tỉnh Tây Ninh xây trường mới."),
    # a brand or an award
    ("Đội Sao Đỏ vô địch", "Câu lạc bộ Sao Đỏ giành cúp sau loạt sút luân lưu."),
    # nothing at all
    ("Giá lúa gạo tăng", "Giá lúa tại Đồng bằng sông Cửu Long tăng nhẹ."),
])
def test_distractors_are_not_relevant(title, text):
    result = assess(title, text, GAZ)
    assert result.tier == "none", (result.places, result.dropped)


def test_ambiguous_name_counts_with_the_region_named():
    result = assess("Vải thiều lên ngôi", "Vải Thanh Hà của tỉnh Hải Dương xuất sang Nhật.", GAZ)
    assert "Thanh Hà" in result.places and result.tier == "focus"


def test_dropped_matches_say_why():
    result = assess("Viện Hải dương học", "Nghiên cứu hải dương học.", GAZ)
    assert result.dropped and all("danh từ chung" in d for d in result.dropped)


def test_no_region_name_in_code():
    """Swapping the gazetteer must be enough for another province: nothing Hải Dương in nlp/."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "nlp"
    for path in root.glob("*.py"):
        text = path.read_text("utf-8").lower()
        assert "hải dương" not in text and "hai duong" not in text, path


def test_another_province_only_needs_another_gazetteer():
    other = Gazetteer.from_dict({
        "region": {"id": "hung-yen", "name": "Hưng Yên"},
        "entries": [{"id": "province", "kind": "province", "names": ["Hưng Yên"]},
                    {"id": "pho-hien", "kind": "landmark", "names": ["Phố Hiến"]}],
        "admin_words": ["tỉnh"],
    })
    assert assess("Nhãn lồng Hưng Yên vào vụ", "Nông dân tỉnh Hưng Yên thu hoạch nhãn.", other).tier == "focus"
    assert assess("Hải Dương thu hút đầu tư", "UBND tỉnh Hải Dương cho biết.", other).tier == "none"
    assert assess("Du lịch", "Khách đến Phố Hiến ngày càng đông.", other).places == ["Phố Hiến"]


def test_institutions_and_validity_dates_are_in_the_gazetteer():
    data = yaml.safe_load((default_config_dir() / "gazetteer.yaml").read_text("utf-8"))
    by_id = {e["id"]: e for e in data["entries"]}
    assert str(by_id["province"]["valid_to"]) == "2025-06-30"
    assert all(str(by_id[d].get("valid_to")) == "2025-06-30" for d in ("kinh-mon", "gia-loc", "cam-giang"))
    result = assess("Đại học Sao Đỏ tuyển sinh", "Trường Đại học Sao Đỏ công bố chỉ tiêu năm nay.", GAZ)
    assert result.tier == "focus"


@pytest.mark.parametrize("title,text,why", [
    # written with other diacritics: other words that fold to a name of the region
    ("Thư gửi chị Linh", "Chị Linh thân mến, em đọc thư chị nhiều lần." + FILLER, "khác dấu"),
    ("Trẻ tự kỷ cần được phát hiện sớm", "Nhiều phụ huynh chưa biết trẻ tự kỷ cần can thiệp sớm." + FILLER, "khác dấu"),
    ("Cầu thủ chơi hai đường chuyền đẹp", "Anh có hai đường chuyền quyết định trong trận." + FILLER, "khác dấu"),
    ("Bão Hải Đường đổ bộ Đài Loan", "Cơn bão Hải Đường gây mưa lớn ở Đài Loan." + FILLER, "khác dấu"),
    # a person's name: a surname before the name, in the middle of a sentence
    ("Phiên tòa xử phóng viên", "Theo lời khai của ông Lê Thanh Hà, hồ sơ đã được gửi đi." + FILLER, "tên người"),
    ("Bệnh viện tư vấn trực tuyến", "Phó giáo sư Trần Bình Giang cho biết ca mổ thành công." + FILLER, "tên người"),
    # not written as a proper name in text that uses capitals
    ("Chuyện gia đình", "Anh ấy có chí Linh hoạt trong mọi việc, vợ anh cho biết." + FILLER, "viết thường"),
])
def test_words_that_only_fold_to_a_name_are_not_the_region(title, text, why):
    result = assess(title, text, GAZ)
    assert result.tier == "none" and any(why in reason for reason in result.dropped), result.dropped


@pytest.mark.parametrize("title,text", [
    ("Về xứ Đông mùa vải chín", "Du khách về xứ Đông dịp lễ hội Côn Sơn, Chí Linh đông vui."),
    ("Investors flock to Hai Duong city", "New plants opened in Hai Duong city and Cam Giang district this year."),
    ("Hải Dương City đón nhà đầu tư Nhật", "Đoàn doanh nghiệp Nhật Bản thăm Hải Dương City và huyện Cẩm Giàng."),
    ("Nhiệt điện Phả Lại tăng công suất", "Công ty nhiệt điện Phả Lại ở Chí Linh vận hành thêm tổ máy mới."),
    ("Nong dan Chi Linh thu hoach vai", "Nguoi dan Chi Linh va Thanh Ha phan khoi vi vai duoc gia."),
])
def test_names_as_the_press_writes_them_still_count(title, text):
    assert tier(title, text) == "focus"


@pytest.mark.parametrize("title,text,why", [
    # an address that goes on to another province: a namesake commune or area of that province
    ("Tai nạn trên Quốc lộ 1A", "Vụ tai nạn thuộc địa phận xã Ninh Giang, Ninh Hòa, Khánh Hòa.", "tỉnh khác"),
    ("Nghề bóng cua", "Họ Trần - Bình Giang (Thăng Bình, Quảng Nam) nắm giữ bí quyết của nghề này.", "tỉnh khác"),
    ("Những cây cầu khỉ", "Ông Chính, Chánh văn phòng UBND xã Bình Giang, Hòn Đất (Kiên Giang) cho biết.", "tỉnh khác"),
    # namesakes the gazetteer knows by the phrase they sit in
    ("Hà Nội xây gara ngầm", "Gara ôtô ngầm sẽ được xây dưới vườn hoa Chí Linh ở trung tâm thủ đô.", "nơi khác"),
    ("Vụ án Năm Cam", "Hai người từng ở chung trại giam Thanh Hà trong những năm chín mươi.", "trại giam"),
    ("Tôn vinh doanh nhân trẻ", "Ba mươi doanh nhân nhận giải thưởng Sao Đỏ năm nay tại Hà Nội.", "Sao Đỏ"),
])
def test_namesakes_of_other_provinces_are_not_the_region(title, text, why):
    result = assess(title, text + FILLER, GAZ)
    assert result.tier == "none" and any(why in reason for reason in result.dropped), result.dropped


@pytest.mark.parametrize("title,text", [
    ("Vải thiều vào vụ", "Vải thiều ở thị xã Chí Linh (Hải Dương) và Lục Ngạn (Bắc Giang) được giá."),
    ("Các tỉnh phía Bắc chống rét cho lúa", "Nông dân huyện Ninh Giang, Bắc Ninh và Hưng Yên gieo mạ muộn."),
    ("Trái cây đặc sản", "Các vùng quả nổi tiếng như vải thiều huyện Thanh Hà, nhãn lồng Hưng Yên được mở rộng."),
])
def test_a_place_of_the_region_beside_other_provinces_still_counts(title, text):
    result = assess(title, text + FILLER, GAZ)
    assert result.tier != "none", result.dropped
