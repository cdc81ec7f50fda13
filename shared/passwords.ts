// The one password rule, for the server that enforces it and the forms that show it.
export const minPasswordLength = 10;
