// The name under which the write key from WAYMARK_WRITE_KEY is listed; Settings shows it in the user's language.
export const environmentKeyName = 'From WAYMARK_WRITE_KEY';
