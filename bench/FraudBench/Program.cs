using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Microsoft.Extensions.Options;
using Portal.Core.Fraud;
using Portal.Core.Payments;

BenchmarkRunner.Run<FraudBench.FraudScoring>(args: args);

namespace FraudBench
{

    /// <summary>
    /// One fraud evaluation: the five rules of seed 001 over a customer's running profile (no history query), for a new
    /// customer, a regular customer with a full profile, and a card-testing pattern that fires every rule.
    /// </summary>
    [MemoryDiagnoser]
    public class FraudScoring
{
        private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        private readonly FraudScorer _scorer = new(Options.Create(new FraudOptions()));
        private CustomerProfile _regular = null!;
        private CustomerProfile _cardTesting = null!;

        [GlobalSetup]
        public void Setup()
        {
            var merchant = Guid.CreateVersion7();
            _regular = CustomerProfile.Empty(merchant, "cus_regular");
            for (var i = 0; i < 40; i++)
            {
                _regular = _regular.With(new PaymentActivity(merchant, "cus_regular", 4_000 + i, $"dev-{i % 3}", "NG", Now.AddHours(-i)));
            }

            _cardTesting = CustomerProfile.Empty(merchant, "cus_tester");
            for (var i = 0; i < 8; i++)
            {
                _cardTesting = _cardTesting.With(new PaymentActivity(merchant, "cus_tester", 100, "dev-a", "NG", Now.AddSeconds(-10 * i)));
            }
        }

        [Benchmark(Baseline = true)]
        public FraudAssessment NewCustomer() => _scorer.Assess(new FraudInput(2_500, "dev-1", "NG", Now), null);

        [Benchmark]
        public FraudAssessment RegularCustomer() => _scorer.Assess(new FraudInput(4_500, "dev-1", "NG", Now), _regular);

        [Benchmark]
        public FraudAssessment CardTestingFourRules() => _scorer.Assess(new FraudInput(100, "dev-new", "GB", Now), _cardTesting);
}
}
