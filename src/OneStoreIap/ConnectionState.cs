using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The default connection of each runspace: a connection made in one runspace is not used by another.</summary>
    internal static class ConnectionState
    {
        public static OneStoreConnection? GetDefault()
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return null;
            lock (state.Gate) return state.DefaultConnection;
        }

        public static void SetDefault(OneStoreConnection? connection)
        {
            RunspaceState? state = RunspaceState.Current;
            if (state == null) return;
            lock (state.Gate) state.DefaultConnection = connection;
        }
    }
}
