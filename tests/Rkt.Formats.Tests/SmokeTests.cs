namespace Rkt.Formats.Tests;
public class SmokeTests { [Fact] public void Placeholder_is_replaced_by_real_tests() => Assert.True(typeof(Rkt.Formats.Appc.Placeholder).IsClass); }
