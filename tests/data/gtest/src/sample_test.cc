// GoogleTest sample: passes, failures, an exception, DISABLED_ tests, GTEST_SKIP, fixtures and parameters.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

TEST(Calc, Adds) { EXPECT_EQ(2 + 3, 5); }

TEST(Calc, Subtracts) { EXPECT_EQ(5 - 3, 3) << "subtraction is off by one"; }

TEST(Calc, ThrowsOutsideAnAssertion) { throw std::runtime_error("configuration missing"); }

TEST(Calc, DISABLED_RoundsHalfEven) { EXPECT_EQ(2, 3); }

TEST(Calc, NeedsGpu) { GTEST_SKIP() << "no GPU on this machine"; }

// The same test name in a second suite.
TEST(Strings, Adds) { EXPECT_EQ(std::string("a") + "b", "ab"); }

TEST(Strings, ComparesUnicode) { EXPECT_EQ(std::string("grüße"), std::string("grüsse")) << "ß is not ss"; }

TEST(DISABLED_Legacy, WholeSuiteIsDisabled) { EXPECT_TRUE(false); }

class Queue : public ::testing::Test {
 protected:
  void SetUp() override { items_ = {1, 2, 3}; }
  std::vector<int> items_;
};

TEST_F(Queue, KeepsOrder) { EXPECT_EQ(items_.front(), 1); }

TEST_F(Queue, FailsTwice) {
  EXPECT_EQ(items_.size(), 4u);
  EXPECT_EQ(items_.back(), 4);
}

class Parity : public ::testing::TestWithParam<int> {};

TEST_P(Parity, IsEven) { EXPECT_EQ(GetParam() % 2, 0); }

INSTANTIATE_TEST_SUITE_P(Small, Parity, ::testing::Values(2, 4, 5));
