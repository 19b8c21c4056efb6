using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreUnconfirmedPurchase: getUnconfirmedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreUnconfirmedPurchase")]
    [OutputType(typeof(UnconfirmedPurchase))]
    public sealed class GetOneStoreUnconfirmedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing unconfirmed purchases";

        internal override PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.ListUnconfirmedPurchases<object>(query, item => OutputMapper.ToUnconfirmed(item, client), RequestLog, cancellationToken);
    }
}
