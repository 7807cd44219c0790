// Types for the qrcode package's encoder module on its own (the package's typings cover only its entry point).
declare module 'qrcode/lib/core/qrcode' {
  export { create } from 'qrcode';
}
