// SPDX-License-Identifier: MIT
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Rkt.Formats.Tests")]
