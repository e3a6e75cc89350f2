export interface SizedFile {
  file: string;
  raw: number;
  gzip: number;
}
export function popupSize(distDir?: string): {
  html: string;
  js: SizedFile[];
  css: SizedFile[];
  totalGzip: number;
  totalRaw: number;
  cssGzip: number;
};
