#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "app/app.h"

namespace firebreak::app {
namespace {

using ::testing::HasSubstr;

struct DataDirLockTest : ::testing::Test {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("fb-lock-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                        .string();
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(DataDirLockTest, ASecondOwnerIsRefusedUntilTheFirstLetsGo) {
  auto first = DataDirLock::Acquire(dir, "serve");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = DataDirLock::Acquire(dir + "/.", "mcp");  // the same directory, spelled differently
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().field, "data");
  first->reset();
  auto third = DataDirLock::Acquire(dir, "mcp");
  EXPECT_TRUE(third.has_value()) << third.error().message;
}

// A server killed while a child it forked has not yet exec'd (a runbook step, a notifier command)
// must not leave that child holding the data directory: a restart right after kill -9 has to work.
TEST_F(DataDirLockTest, AKilledOwnersLingeringChildDoesNotHoldTheDirectory) {
  int ready[2], hold[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(hold), 0);
  pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    // The owner: takes the lock, forks a child that never execs (it keeps every descriptor,
    // including the lock file's) and waits to be killed.
    ::close(ready[0]);
    ::close(hold[1]);
    auto lock = DataDirLock::Acquire(dir, "serve");
    if (!lock) ::_exit(2);
    pid_t child = ::fork();
    if (child == 0) {
      char c;
      (void)!::read(hold[0], &c, 1);  // until the test closes its end
      ::_exit(0);
    }
    (void)!::write(ready[1], "r", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  ::close(hold[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the owner did not take the lock";
  ::close(ready[0]);

  auto refused = DataDirLock::Acquire(dir, "mcp");
  ASSERT_FALSE(refused.has_value()) << "the live owner holds the directory";
  EXPECT_THAT(refused.error().message, HasSubstr("in use by `firebreak serve` (pid " + std::to_string(owner) + ")"));

  ::kill(owner, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(owner, &status, 0), owner);
  // The owner's child is still alive, holding a copy of the lock file's descriptor.
  auto restarted = DataDirLock::Acquire(dir, "serve");
  EXPECT_TRUE(restarted.has_value()) << restarted.error().message;
  ::close(hold[1]);  // lets the orphan exit
}

}  // namespace
}  // namespace firebreak::app
