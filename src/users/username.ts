/** SPEC §5: 3–32 of [A-Za-z0-9_.-]; unique case-insensitively (enforced by the repository callers). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const USERNAME_RULE = 'Use 3–32 letters, digits, dots, dashes or underscores.';
