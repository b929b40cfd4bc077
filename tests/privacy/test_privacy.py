"""Masking of personal data: golden (input, expected) cases, and whole frames."""

import pandas as pd
import pytest

from workbench.privacy.masking import (
    mask_address,
    mask_date,
    mask_email,
    mask_frame,
    mask_free_text,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)

CASES = [
    (mask_phone, "+8613812345678", "138****5678"),
    (mask_phone, "13812345678", "138****5678"),
    (mask_phone, "138-1234-5678", "138****5678"),
    (mask_phone, "+86 10 6552 9988", "106****9988"),
    (mask_phone, "12345", "*****"),
    (mask_phone, '=HYPERLINK("http://x")', "****"),
    (mask_phone, None, None),
    (mask_phone, "", ""),
    (mask_name, "张伟", "张*"),
    (mask_name, "张小明", "张**"),
    (mask_name, "欧阳娜娜", "欧阳**"),
    (mask_name, "欧阳", "欧*"),  # two characters: a surname 欧 and a given name 阳
    (mask_name, "王", "王*"),
    (mask_name, "Zhang Wei", "Zhang ***"),
    (mask_name, "Alice", "A****"),
    (mask_email, "zhangwei@163.com", "z***@163.com"),
    (mask_email, "no-at-sign", "no******gn"),
    (mask_id_number, "110101199003071234", "110***********1234"),
    (mask_id_number, "11010119900307123X", "110***********123X"),
    (mask_text, "wxid_zhangwei88", "wx***********88"),
    (mask_text, "qq1", "q**"),
    (mask_address, "北京市朝阳区建国路88号", "北京市朝阳区****"),
    (mask_address, "上海", "上****"),
    (mask_date, "1990-03-07", "1990-**-**"),
    (mask_free_text, "回电 13812345678 或 zw@163.com", "回电 138****5678 或 z***@163.com"),
    (mask_free_text, "身份证110101199003071234", "身份证110***********1234"),
    (mask_free_text, "phone '+86 138 1234 5678' is not valid", "phone '138****5678' is not valid"),
    (mask_free_text, "订单 123456 金额 200", "订单 123456 金额 200"),
]


@pytest.mark.parametrize(("masker", "value", "masked"), CASES)
def test_masks(masker, value, masked):
    assert masker(value) == masked


def test_mask_frame_masks_personal_columns_and_leaves_the_rest():
    frame = pd.DataFrame({
        "name": ["张伟", None],
        "name_raw": ["张伟 ", "李娜"],
        "phone": ["+8613812345678", None],
        "phones": [["+8613812345678", "+8613912345678"], None],
        "phone_last8": ["12345678", None],
        "email_local": ["zhangwei", None],
        "company": ["华为", "腾讯"],
        "remark": ["老客户 13912345678", None],
        "batch_id": [1, 2],
    })
    masked = mask_frame(frame)
    assert masked["name"].tolist()[0] == "张*" and pd.isna(masked["name"].tolist()[1])
    assert masked["name_raw"].tolist() == ["张*", "李*"]  # spaces around do not count
    assert masked["phone"].tolist()[0] == "138****5678"
    assert masked["phones"].tolist()[0] == ["138****5678", "139****5678"]
    assert masked["phone_last8"].tolist()[0] == "****5678"
    assert masked["email_local"].tolist()[0] == "z***"
    assert masked["remark"].tolist()[0] == "老客户 139****5678"
    assert masked["company"].tolist() == ["华为", "腾讯"]
    assert masked["batch_id"].tolist() == [1, 2]
    assert frame["phone"].tolist()[0] == "+8613812345678"  # the input is left alone


def test_mask_frame_with_other_column_names():
    frame = pd.DataFrame({"手机号": ["13812345678"], "客户": ["张伟"]})
    masked = mask_frame(frame, columns={"手机号": "phone", "客户": "name"})
    assert masked.to_dict("records") == [{"手机号": "138****5678", "客户": "张*"}]


def test_authorise_and_revoke_are_events(tmp_path):
    from workbench.errors import InputError
    from workbench.privacy.masking import add_admin, authorise, check_unmasked_access
    from workbench.store.pool import Pool
    pool = Pool(tmp_path / "pool.duckdb")
    add_admin(pool, "数据负责人")
    boss = {"actor": "数据负责人"}
    assert authorise(pool, "赵工", reason="经审批", **boss) == ["赵工"]
    assert authorise(pool, "钱工", reason="经审批", **boss) == ["赵工", "钱工"]
    assert authorise(pool, "赵工", allow=False, reason="离职", **boss) == ["钱工"]
    with pool.connect() as con:
        check_unmasked_access(con, "钱工")
        with pytest.raises(InputError, match="'赵工' is not authorised"):
            check_unmasked_access(con, "赵工")
        events = con.execute("SELECT kind, target, reason FROM events ORDER BY event_id").fetchall()
    assert events[-1] == ("privacy_revoked", "user:赵工", "离职")
    assert [e[0] for e in events] == (["privacy_admin_added"] + ["privacy_authorised"] * 2
                                      + ["privacy_revoked"])
