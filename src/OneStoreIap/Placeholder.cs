namespace OneStoreIap { internal static class Placeholder { } }
