using System.Text.Json;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class RecurringTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        public RecurringTests(EmulatorFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Cancels_and_reactivates_an_auto_renewal()
        {
            var token = await TokenAsync();
            var details = PurchasePath("auto", "monthly_pass", "AUTO-ACTIVE-0001");

            AssertSuccess(await PostAsync(PurchasePath("auto", "monthly_pass", "AUTO-ACTIVE-0001", "cancel"), token));
            var now = await NowAsync();
            var cancelled = (await GetAsync(details, token)).Json;
            Assert.False(cancelled.GetProperty("autoRenewing").GetBoolean());
            Assert.Equal(0, cancelled.GetProperty("cancelReason").GetInt32());
            Assert.InRange(cancelled.GetProperty("cancelledTime").GetInt64(), now - 5000, now);

            AssertSuccess(await PostAsync(PurchasePath("auto", "monthly_pass", "AUTO-ACTIVE-0001", "reactivate"), token));
            var active = (await GetAsync(details, token)).Json;
            Assert.True(active.GetProperty("autoRenewing").GetBoolean());
            Assert.Equal(JsonValueKind.Null, active.GetProperty("cancelledTime").ValueKind);
            Assert.Equal(JsonValueKind.Null, active.GetProperty("cancelReason").ValueKind);
            Assert.Equal(2, (await PurchaseStateAsync("AUTO-ACTIVE-0001")).GetProperty("changeCount").GetInt32());
        }

        [Fact]
        public async Task Cancels_and_reactivates_a_subscription()
        {
            var token = await TokenAsync();
            var details = PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001");

            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "cancel"), token));
            var cancelled = (await GetAsync(details, token)).Json;
            Assert.False(cancelled.GetProperty("autoRenewing").GetBoolean());
            Assert.Equal(0, cancelled.GetProperty("cancelReason").GetInt32());
            Assert.Equal(JsonValueKind.Number, cancelled.GetProperty("cancelledTimeMillis").ValueKind);

            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "reactivate"), token));
            var active = (await GetAsync(details, token)).Json;
            Assert.True(active.GetProperty("autoRenewing").GetBoolean());
            Assert.Equal(JsonValueKind.Null, active.GetProperty("cancelledTimeMillis").ValueKind);
        }

        [Fact]
        public async Task Reactivates_a_seeded_cancellation()
        {
            var token = await TokenAsync();
            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-CANCELLED-0001", "reactivate"), token));
            Assert.True((await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-CANCELLED-0001"), token)).Json.GetProperty("autoRenewing").GetBoolean());
        }

        [Fact]
        public async Task Cancels_a_paused_subscription_immediately_and_refuses_to_reactivate_it()
        {
            var token = await TokenAsync();
            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-PAUSED-0001", "cancel"), token));
            var now = await NowAsync();
            var details = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-PAUSED-0001"), token)).Json;
            Assert.False(details.GetProperty("autoRenewing").GetBoolean());
            Assert.True(details.GetProperty("expiryTimeMillis").GetInt64() <= now);

            AssertError(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-PAUSED-0001", "reactivate"), token), 409, "InvalidPurchaseState");
            Assert.True((await PurchaseStateAsync("SUB-PAUSED-0001")).GetProperty("immediatelyCancelled").GetBoolean());
        }

        [Theory]
        [InlineData("subscription", "premium_monthly", "SUB-IMMCANCEL-0001", "reactivate")]
        [InlineData("subscription", "premium_monthly", "SUB-EXPIRED-0001", "reactivate")]
        [InlineData("auto", "monthly_pass", "AUTO-VOIDED-0001", "reactivate")]
        [InlineData("auto", "monthly_pass", "AUTO-VOIDED-0001", "cancel")]
        [InlineData("subscription", "premium_monthly", "SUB-IMMCANCEL-0001", "defer")]
        public async Task Refuses_to_change_a_finished_purchase(string type, string productId, string purchaseToken, string action)
        {
            var token = await TokenAsync();
            var reply = await PostAsync(PurchasePath(type, productId, purchaseToken, action), token, action == "defer" ? "{\"deferPeriod\":3}" : null);
            AssertError(reply, 409, "InvalidPurchaseState");
        }

        [Fact]
        public async Task Treats_a_repeated_cancel_as_done()
        {
            var token = await TokenAsync();
            var path = PurchasePath("auto", "monthly_pass", "AUTO-CANCELLED-0001", "cancel");
            var before = (await PurchaseStateAsync("AUTO-CANCELLED-0001")).GetProperty("cancelledTime").GetInt64();
            AssertSuccess(await PostAsync(path, token));
            var state = await PurchaseStateAsync("AUTO-CANCELLED-0001");
            Assert.Equal(before, state.GetProperty("cancelledTime").GetInt64());
            Assert.Equal(0, state.GetProperty("changeCount").GetInt32());
        }

        [Fact]
        public async Task Defers_the_next_payment_and_the_expiry_by_days()
        {
            var token = await TokenAsync();
            var before = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001"), token)).Json;
            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "defer"), token, "{\"deferPeriod\":3}"));
            var after = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001"), token)).Json;
            Assert.Equal(before.GetProperty("expiryTimeMillis").GetInt64() + 3 * 86_400_000L, after.GetProperty("expiryTimeMillis").GetInt64());
            Assert.Equal(before.GetProperty("nextPaymentTimeMillis").GetInt64() + 3 * 86_400_000L, after.GetProperty("nextPaymentTimeMillis").GetInt64());
        }

        [Theory]
        [InlineData(null)]
        [InlineData("{}")]
        [InlineData("{\"deferPeriod\":null}")]
        public async Task Requires_a_defer_period(string? body)
        {
            var token = await TokenAsync();
            var reply = await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "defer"), token, body);
            AssertError(reply, 400, "RequiredValueNotExist", "Request parameters are required. [ deferPeriod ]");
        }

        [Theory]
        [InlineData("0")]
        [InlineData("366")]
        [InlineData("-1")]
        [InlineData("1.5")]
        [InlineData("\"3\"")]
        public async Task Refuses_a_defer_period_outside_1_to_365(string value)
        {
            var token = await TokenAsync();
            var reply = await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "defer"), token, "{\"deferPeriod\":" + value + "}");
            AssertError(reply, 400, "InvalidRequest", "Request parameters are invalid. [ deferPeriod ]");
        }

        [Theory]
        [InlineData(1)]
        [InlineData(365)]
        public async Task Accepts_the_bounds_of_the_defer_period(int days)
        {
            var token = await TokenAsync();
            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "defer"), token, "{\"deferPeriod\":" + days + "}"));
        }
    }

    public sealed class SandboxTests : EmulatorTestBase, IClassFixture<SandboxFixture>
    {
        public SandboxTests(SandboxFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Defers_by_minutes_in_the_sandbox()
        {
            var token = await TokenAsync();
            var before = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001"), token)).Json;
            AssertSuccess(await PostAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001", "defer"), token, "{\"deferPeriod\":3}"));
            var after = (await GetAsync(PurchasePath("subscription", "premium_monthly", "SUB-ACTIVE-0001"), token)).Json;
            Assert.Equal(before.GetProperty("expiryTimeMillis").GetInt64() + 3 * 60_000L, after.GetProperty("expiryTimeMillis").GetInt64());
        }
    }
}
