namespace OneStoreIap.Emulator { internal static class Placeholder { } }
