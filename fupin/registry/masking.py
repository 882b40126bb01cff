"""Masking of ID numbers, phones and bank accounts for users without the "view sensitive" action."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_bank_account(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


MASKS = {"id_number": mask_id_number, "disability_certificate": mask_id_number, "phone": mask_phone,
         "bank_account": mask_bank_account}
