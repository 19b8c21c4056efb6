using System;
using System.Collections.Generic;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>What an emulator did with one PNS notification (Get-OneStoreEmulatorNotification).</summary>
    public sealed class EmulatorNotification
    {
        public long Id { get; set; }
        public string? ClientId { get; set; }
        public string? PurchaseId { get; set; }
        public string? PurchaseToken { get; set; }

        /// <summary>COMPLETED or CANCELED.</summary>
        public string? PurchaseState { get; set; }
        public string? Uri { get; set; }

        /// <summary>Pending, Delivered (answered 200), Failed (out of retries) or Dropped (a fault).</summary>
        public string? State { get; set; }

        /// <summary>True for the second copy a Duplicate fault sent.</summary>
        public bool Duplicate { get; set; }
        public int Attempts { get; set; }

        /// <summary>The HTTP status of each attempt (0: no reply).</summary>
        public int[] Statuses { get; set; } = new int[0];

        /// <summary>The message as POSTed (signed); it binds to ConvertFrom-OneStoreNotification -Body by property name.</summary>
        public string? Body { get; set; }
        public DateTimeOffset? CreatedTime { get; set; }

        public override string ToString() => Id + " " + PurchaseState + " " + PurchaseId + " " + State;

        internal static EmulatorNotification From(JsonTreeObject tree)
        {
            var statuses = new List<int>();
            if (tree["statuses"] is List<object?> list)
            {
                foreach (object? s in list) if (s is long l) statuses.Add((int)l);
            }
            return new EmulatorNotification
            {
                Id = tree["id"] is long id ? id : 0,
                ClientId = tree["clientId"] as string,
                PurchaseId = tree["purchaseId"] as string,
                PurchaseToken = tree["purchaseToken"] as string,
                PurchaseState = tree["purchaseState"] as string,
                Uri = tree["uri"] as string,
                State = tree["state"] as string,
                Duplicate = tree["duplicate"] is bool d && d,
                Attempts = tree["attempts"] is long a ? (int)a : 0,
                Statuses = statuses.ToArray(),
                Body = tree["body"] as string,
                CreatedTime = tree["createdMillis"] is long c ? DateTimeOffset.FromUnixTimeMilliseconds(c) : (DateTimeOffset?)null,
            };
        }
    }
}
