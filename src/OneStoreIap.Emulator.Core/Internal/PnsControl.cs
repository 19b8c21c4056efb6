using System;
using System.Collections.Generic;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>
    /// The control routes of the apps' keys and of PNS (docs/emulator.md): GET apps, GET apps/{clientId},
    /// POST apps/{clientId}/notification, GET notifications, POST notifications/wait, POST notifications/settings,
    /// GET|POST|DELETE notifications/faults.
    /// </summary>
    internal static class PnsControl
    {
        private static readonly HashSet<string> FaultFields = new(StringComparer.Ordinal) { "kind", "count", "delayMs", "purchaseState" };
        private static readonly HashSet<string> SettingsFields = new(StringComparer.Ordinal) { "retries", "retryDelayMs" };
        private static readonly HashSet<string> NotificationFields = new(StringComparer.Ordinal) { "uri" };
        private static readonly HashSet<string> WaitFields = new(StringComparer.Ordinal) { "timeoutMs" };

        /// <summary>The reply of a route of these, or null when the route is none of them.</summary>
        public static EmulatorResponse? Handle(OneStoreEmulator owner, EmulatorState state, string method, string[] s, byte[] body)
        {
            var n = s.Length;
            if (n == 2 && s[1] == "apps" && method == "GET") return ListApps(owner, state);
            if (n == 3 && s[1] == "apps" && method == "GET") return GetApp(owner, state, s[2]);
            if (n == 4 && s[1] == "apps" && s[3] == "notification" && method == "POST") return SetUri(owner, state, s[2], body);
            if (n == 2 && s[1] == "notifications" && method == "GET")
                return ControlHandler.Ok(w => owner.Notifications.WriteDeliveries(w));
            if (n == 3 && s[1] == "notifications")
            {
                switch (s[2], method)
                {
                    case ("wait", "POST"):
                    {
                        var e = Strict(body, WaitFields);
                        var timeout = Seed.Long(e, "timeoutMs") ?? 10_000;
                        if (timeout < 0 || timeout > 120_000) throw new SeedException("'timeoutMs' must be 0 to 120000.");
                        var idle = owner.Notifications.WaitIdle(TimeSpan.FromMilliseconds(timeout));
                        return ControlHandler.Ok(w => w.WriteBoolean("idle", idle));
                    }
                    case ("settings", "POST"):
                    {
                        var e = Strict(body, SettingsFields);
                        var retries = Seed.Long(e, "retries");
                        var delay = Seed.Long(e, "retryDelayMs");
                        if (retries is < 0 or > 10) throw new SeedException("'retries' must be 0 to 10.");
                        if (delay is < 0 or > 60_000) throw new SeedException("'retryDelayMs' must be 0 to 60000.");
                        if (retries != null) owner.Notifications.Retries = (int)retries;
                        if (delay != null) owner.Notifications.RetryDelayMs = (int)delay;
                        return ControlHandler.Ok(w =>
                        {
                            w.WriteNumber("retries", owner.Notifications.Retries);
                            w.WriteNumber("retryDelayMs", owner.Notifications.RetryDelayMs);
                        });
                    }
                    case ("faults", "POST"):
                        return AddFault(owner, body);
                    case ("faults", "DELETE"):
                        owner.Notifications.ClearFaults();
                        return ControlHandler.Ok(w => w.WriteString("status", "cleared"));
                    case ("faults", "GET"):
                        return ControlHandler.Ok(w =>
                        {
                            w.WriteStartArray("faults");
                            foreach (var f in owner.Notifications.Faults())
                            {
                                w.WriteStartObject();
                                w.WriteNumber("id", f.Id);
                                w.WriteString("kind", f.Kind.ToString().ToLowerInvariant());
                                w.WriteNumber("remaining", f.Remaining);
                                w.WriteNumber("delayMs", f.DelayMs);
                                w.WriteNullableString("purchaseState", f.PurchaseState);
                                w.WriteEndObject();
                            }
                            w.WriteEndArray();
                        });
                }
            }
            return null;
        }

        // Unknown members are refused: a misspelt one would otherwise be ignored silently.
        private static JsonElement Strict(byte[] body, HashSet<string> allowed)
        {
            var e = ControlHandler.Object(body);
            foreach (var p in e.EnumerateObject())
            {
                if (!allowed.Contains(p.Name)) throw new SeedException("Unknown field '" + p.Name + "' (allowed: " + string.Join(", ", allowed) + ").");
            }
            return e;
        }

        private static EmulatorResponse AddFault(OneStoreEmulator owner, byte[] body)
        {
            var e = Strict(body, FaultFields);
            var kindText = Seed.RequiredString(e, "kind");
            if (!Enum.TryParse<NotificationFaultKind>(kindText, true, out var kind) || int.TryParse(kindText, out _))
                throw new SeedException("'kind' must be drop, duplicate, delay or reorder.");
            var count = Seed.Long(e, "count") ?? 1;
            if (count < -1 || count == 0) throw new SeedException("'count' must be positive, or -1 for every notification.");
            var delay = Seed.Long(e, "delayMs") ?? (kind == NotificationFaultKind.Delay ? 500 : 0);
            if (delay < 0 || delay > 60_000) throw new SeedException("'delayMs' must be 0 to 60000.");
            var state = Seed.String(e, "purchaseState");
            if (state != null && state != "COMPLETED" && state != "CANCELED") throw new SeedException("'purchaseState' must be COMPLETED or CANCELED.");
            var id = owner.Notifications.AddFault(new NotificationFault { Kind = kind, Remaining = count, DelayMs = (int)delay, PurchaseState = state });
            return ControlHandler.Ok(w => w.WriteNumber("id", id));
        }

        private static EmulatorResponse ListApps(OneStoreEmulator owner, EmulatorState state)
        {
            var apps = new List<(string, string[], bool, string?)>();
            lock (state.Gate)
            {
                foreach (var a in state.Apps) apps.Add((a.ClientId, a.Markets, a.Blocked, a.NotificationUri));
            }
            return ControlHandler.Ok(w =>
            {
                w.WriteStartArray("apps");
                foreach (var (clientId, markets, blocked, uri) in apps)
                {
                    w.WriteStartObject();
                    WriteApp(w, owner, clientId, markets, blocked, uri);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }

        private static EmulatorResponse GetApp(OneStoreEmulator owner, EmulatorState state, string clientId)
        {
            AppInfo? app;
            string[] markets;
            bool blocked;
            string? uri;
            lock (state.Gate)
            {
                app = state.FindApp(clientId);
                if (app == null) return Json.Error(404, "NoSuchData", "No app '" + clientId + "'.");
                (markets, blocked, uri) = (app.Markets, app.Blocked, app.NotificationUri);
            }
            return ControlHandler.Ok(w => WriteApp(w, owner, clientId, markets, blocked, uri));
        }

        private static void WriteApp(Utf8JsonWriter w, OneStoreEmulator owner, string clientId, string[] markets, bool blocked, string? uri)
        {
            w.WriteString("clientId", clientId);
            w.WriteStartArray("markets");
            foreach (var m in markets) w.WriteStringValue(m);
            w.WriteEndArray();
            w.WriteBoolean("blocked", blocked);
            w.WriteString("licenseKey", owner.Keys.LicenseKey(clientId));
            w.WriteNullableString("notificationUri", uri);
        }

        private static EmulatorResponse SetUri(OneStoreEmulator owner, EmulatorState state, string clientId, byte[] body)
        {
            var e = Strict(body, NotificationFields);
            var uri = Seed.NotificationUri(Seed.String(e, "uri"));
            lock (state.Gate)
            {
                var app = state.FindApp(clientId);
                if (app == null) return Json.Error(404, "NoSuchData", "No app '" + clientId + "'.");
                owner.SetNotificationUri(app, uri);
            }
            return GetApp(owner, state, clientId);
        }
    }
}
