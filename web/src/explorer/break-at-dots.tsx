// Permission names are one long word to a browser: `ProfilePhoto.ReadWrite.All` at 360 px broke
// as "ProfilePhoto.ReadW / rite.All". A <wbr> after each dot lets it break where a reader would.
export const breakAtDots = (name: string) =>
  name
    .split('.')
    .flatMap((part, i, parts) => (i < parts.length - 1 ? [`${part}.`, <wbr key={i} />] : [part]));
