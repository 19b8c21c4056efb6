using System;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>Turns the engine's reply shapes into the module's output types (times in the market's offset).</summary>
    internal static class OutputMapper
    {
        public static ProductKind ToKind(OneStoreProductType type) => type switch
        {
            OneStoreProductType.Auto => ProductKind.Auto,
            OneStoreProductType.Subscription => ProductKind.Subscription,
            _ => ProductKind.InApp,
        };

        public static OneStoreProductType? ParseProductType(string? code)
        {
            if (string.IsNullOrEmpty(code)) return null;
            return Enum.TryParse(code, ignoreCase: true, out OneStoreProductType type) ? type : (OneStoreProductType?)null;
        }

        private static DateTimeOffset? Time(long? millis, string? market) => OneStoreMarket.ToDateTimeOffset(millis, market);

        private static T? AsEnum<T>(int? value) where T : struct => value is int v ? (T)(object)v : (T?)null;

        public static InAppPurchase ToInApp(InAppPurchaseDetails d, string productId, string purchaseToken, OneStoreClient client)
        {
            string market = client.MarketCode;
            return new InAppPurchase
            {
                ProductId = productId,
                PurchaseToken = purchaseToken,
                PurchaseId = d.PurchaseId,
                PurchaseState = AsEnum<PurchaseState>(d.PurchaseState),
                ConsumptionState = AsEnum<ConsumptionState>(d.ConsumptionState),
                AcknowledgeState = AsEnum<AcknowledgeState>(d.AcknowledgeState),
                PurchaseTimeMillis = d.PurchaseTime,
                PurchaseTime = Time(d.PurchaseTime, market),
                DeveloperPayload = d.DeveloperPayload,
                Quantity = d.Quantity,
                MarketCode = market,
                ClientId = client.ClientId,
            };
        }

        public static AutoRenewalPurchase ToAuto(RecurringPurchaseDetails d, string productId, string purchaseToken, OneStoreClient client)
        {
            string market = client.MarketCode;
            long nowMillis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return new AutoRenewalPurchase
            {
                ProductId = productId,
                PurchaseToken = purchaseToken,
                StartTimeMillis = d.StartTime,
                StartTime = Time(d.StartTime, market),
                ExpiryTimeMillis = d.ExpiryTime,
                ExpiryTime = Time(d.ExpiryTime, market),
                NextPaymentTimeMillis = d.NextPaymentTime,
                NextPaymentTime = Time(d.NextPaymentTime, market),
                AutoRenewing = d.AutoRenewing,
                CancelReason = AsEnum<CancelReason>(d.CancelReason),
                CancelledTimeMillis = d.CancelledTime,
                CancelledTime = Time(d.CancelledTime, market),
                AcknowledgeState = AsEnum<AcknowledgeState>(d.AcknowledgeState),
                LastPurchaseId = d.LastPurchaseId,
                LastPurchaseState = AsEnum<PurchaseState>(d.LastPurchaseState),
                // getRecurringPurchaseDetails: expiryTime >= current time AND lastPurchaseState == 0.
                IsEntitled = d.ExpiryTime is long expiry && expiry >= nowMillis && d.LastPurchaseState == 0,
                MarketCode = market,
                ClientId = client.ClientId,
            };
        }

        public static Subscription ToSubscription(SubscriptionDetails d, string productId, string purchaseToken, OneStoreClient client)
        {
            string market = client.MarketCode;
            return new Subscription
            {
                ProductId = productId,
                PurchaseToken = purchaseToken,
                AcknowledgeState = AsEnum<AcknowledgeState>(d.AcknowledgementState),
                DeveloperPayload = d.DeveloperPayload,
                AutoRenewing = d.AutoRenewing,
                // getSubscriptionDetail: paymentState null means expired.
                PaymentState = d.PaymentState is int p ? (SubscriptionPaymentState)p : SubscriptionPaymentState.Expired,
                PriceAmount = d.PriceAmount,
                PriceAmountMicros = d.PriceAmountMicros,
                NextPriceAmount = d.NextPriceAmount,
                NextPriceAmountMicros = d.NextPriceAmountMicros,
                NextPaymentTimeMillis = d.NextPaymentTimeMillis,
                NextPaymentTime = Time(d.NextPaymentTimeMillis, market),
                PriceCurrencyCode = d.PriceCurrencyCode,
                CountryCode = d.CountryCode,
                StartTimeMillis = d.StartTimeMillis,
                StartTime = Time(d.StartTimeMillis, market),
                ExpiryTimeMillis = d.ExpiryTimeMillis,
                ExpiryTime = Time(d.ExpiryTimeMillis, market),
                PauseStartTimeMillis = d.PauseStartTimeMillis,
                PauseStartTime = Time(d.PauseStartTimeMillis, market),
                PauseEndTimeMillis = d.PauseEndTimeMillis,
                PauseEndTime = Time(d.PauseEndTimeMillis, market),
                AutoResumeTimeMillis = d.AutoResumeTimeMillis,
                AutoResumeTime = Time(d.AutoResumeTimeMillis, market),
                LinkedPurchaseToken = d.LinkedPurchaseToken,
                LastPurchaseId = d.LastPurchaseId,
                CancelledTimeMillis = d.CancelledTimeMillis,
                CancelledTime = Time(d.CancelledTimeMillis, market),
                CancelReason = AsEnum<CancelReason>(d.CancelReason),
                PromotionPrice = d.PromotionPrice == null ? null : new PromotionPrice
                {
                    Price = d.PromotionPrice.PromotionPrice,
                    PriceMicros = d.PromotionPrice.PromotionPriceMicros,
                    Period = d.PromotionPrice.PromotionPeriod,
                },
                PriceChange = d.PriceChange == null ? null : new PriceChange
                {
                    Seq = d.PriceChange.Seq,
                    PreviousPrice = d.PriceChange.PreviousPrice,
                    PreviousPriceMicros = d.PriceChange.PreviousPriceMicros,
                    NewPrice = d.PriceChange.NewPrice,
                    NewPriceMicros = d.PriceChange.NewPriceMicros,
                    ApplyTimeMillis = d.PriceChange.ApplyTimeMillis,
                    ApplyTime = Time(d.PriceChange.ApplyTimeMillis, market),
                    Agreement = d.PriceChange.Agreement,
                    AgreementDueDateTimeMillis = d.PriceChange.AgreementDueDateTimeMillis,
                    AgreementDueDateTime = Time(d.PriceChange.AgreementDueDateTimeMillis, market),
                },
                MarketCode = market,
                ClientId = client.ClientId,
            };
        }

        public static VoidedPurchase ToVoided(VoidedPurchaseItem item, OneStoreClient client)
        {
            string market = string.IsNullOrEmpty(item.MarketCode) ? client.MarketCode : item.MarketCode!;
            return new VoidedPurchase
            {
                PurchaseToken = item.PurchaseToken,
                PurchaseId = item.PurchaseId,
                PurchaseTimeMillis = item.PurchaseTime,
                PurchaseTime = Time(item.PurchaseTime, market),
                VoidedTimeMillis = item.VoidedTime,
                VoidedTime = Time(item.VoidedTime, market),
                MarketCode = market,
                ClientId = client.ClientId,
            };
        }

        public static UnconfirmedPurchase ToUnconfirmed(UnconfirmedPurchaseItem item, OneStoreClient client)
        {
            string market = string.IsNullOrEmpty(item.MarketCode) ? client.MarketCode : item.MarketCode!;
            return new UnconfirmedPurchase
            {
                Type = ParseProductType(item.Type),
                OrderId = item.OrderId,
                ProductId = item.ProductId,
                PurchaseToken = item.PurchaseToken,
                PurchaseId = item.PurchaseId,
                PurchaseTimeMillis = item.PurchaseTime,
                PurchaseTime = Time(item.PurchaseTime, market),
                PurchaseState = AsEnum<PurchaseState>(item.PurchaseState),
                DeveloperPayload = item.DeveloperPayload,
                Quantity = item.Quantity,
                MarketCode = market,
                ClientId = client.ClientId,
            };
        }

        public static OperationResult ToResult(string operation, OperationReply reply, string productId, string purchaseToken,
            OneStoreProductType? type, OneStoreClient client, string? purchaseId = null) =>
            Fill(new OperationResult(), operation, reply, productId, purchaseToken, type, client, purchaseId);

        public static DeferResult ToDeferResult(OperationReply reply, string productId, string purchaseToken, OneStoreClient client, int deferPeriod)
        {
            var result = Fill(new DeferResult(), "Defer", reply, productId, purchaseToken, OneStoreProductType.Subscription, client, null);
            result.DeferPeriod = deferPeriod;
            return result;
        }

        private static T Fill<T>(T result, string operation, OperationReply reply, string productId, string purchaseToken,
            OneStoreProductType? type, OneStoreClient client, string? purchaseId) where T : OperationResult
        {
            result.Operation = operation;
            result.ProductId = productId;
            result.PurchaseToken = purchaseToken;
            result.Type = type;
            result.PurchaseId = purchaseId;
            result.MarketCode = client.MarketCode;
            result.ClientId = client.ClientId;
            result.OperationTime = OneStoreMarket.ToDateTimeOffset(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), client.MarketCode);
            result.Code = reply.Code;
            result.Message = reply.Message;
            result.AlreadyApplied = reply.AlreadyApplied;
            return result;
        }
    }
}
