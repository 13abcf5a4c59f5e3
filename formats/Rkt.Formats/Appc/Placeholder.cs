namespace Rkt.Formats.Appc; public static class Placeholder {}
