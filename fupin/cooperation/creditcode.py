"""统一社会信用代码 (GB 32100-2015): 18 characters — registration authority (1), organisation type (1), the
registering area's 6-digit division code, the organisation code (9) and a check character over the first 17,
modulo 31 on the alphabet without I, O, Z, S, V. Only the final check is enforced: it is the one the standard
makes binding for every code, whatever the organisation code's own origin."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether `code` is a well-formed unified social credit code."""
    code = (code or "").strip().upper()
    if len(code) != 18 or any(char not in ALPHABET for char in code) or not code[2:8].isdigit():
        return False
    return check_character(code[:17]) == code[17]
