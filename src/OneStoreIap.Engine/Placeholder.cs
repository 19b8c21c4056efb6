namespace OneStoreIap.Engine { internal static class Placeholder { } }
