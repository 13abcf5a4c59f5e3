namespace Rkt.Engine.Tests;
public class SmokeTests { [Fact] public void Paths_compose() => Assert.Equal("/d/cas", new Rkt.Engine.RktPaths("/d").Cas); }
