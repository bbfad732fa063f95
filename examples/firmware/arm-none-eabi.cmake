# GNU Arm Embedded toolchain (Debian: gcc-arm-none-eabi,
# libnewlib-arm-none-eabi): bare metal, no operating system.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# The compiler cannot link a test program without the CPU flags and a
# linker script: check it with a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
