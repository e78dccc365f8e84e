/* The few UEFI types the loader uses, written from the UEFI 2.10
 * specification (chapters 4 system table, 7 boot services, 9 loaded image,
 * 10 device path, 12 console and graphics output, 13 file and block I/O).
 * Only the members the loader calls are typed; the rest are placeholders
 * that keep the offsets, which the static asserts check.
 */
#ifndef UEFI_EFI_H
#define UEFI_EFI_H

#include <stddef.h>
#include <stdint.h>

#define EFIAPI __attribute__((ms_abi))

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t char16;

/* Status codes (appendix D): errors have the top bit set. */
#define EFI_SUCCESS            0
#define EFI_ERROR_BIT          (1ull << 63)
#define EFI_INVALID_PARAMETER  (EFI_ERROR_BIT | 2)
#define EFI_BUFFER_TOO_SMALL   (EFI_ERROR_BIT | 5)
#define EFI_ERROR(s)           (((s) & EFI_ERROR_BIT) != 0)

struct efi_guid {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
};
_Static_assert(sizeof(struct efi_guid) == 16, "EFI_GUID");

struct efi_table_header {
	uint64_t signature;
	uint32_t revision;
	uint32_t header_size;
	uint32_t crc32;
	uint32_t reserved;
};
_Static_assert(sizeof(struct efi_table_header) == 24, "EFI_TABLE_HEADER");

/* 12.4 Simple Text Output Protocol. */
struct efi_text_output {
	void *reset;
	efi_status (EFIAPI *output_string)(struct efi_text_output *self, const char16 *s);
	void *test_string, *query_mode, *set_mode;
	efi_status (EFIAPI *set_attribute)(struct efi_text_output *self, uint64_t attr);
	void *clear_screen, *set_cursor_position, *enable_cursor, *mode;
};
_Static_assert(offsetof(struct efi_text_output, set_attribute) == 40, "SetAttribute");
#define EFI_WHITE              0x0f
#define EFI_BACKGROUND_RED     0x40
#define EFI_LIGHTGRAY          0x07

/* 7.2 memory allocation. */
enum efi_allocate_type { EFI_ALLOCATE_ANY_PAGES, EFI_ALLOCATE_MAX_ADDRESS,
			 EFI_ALLOCATE_ADDRESS };

/* EFI_MEMORY_TYPE */
enum efi_memory_type {
	EFI_RESERVED_MEMORY, EFI_LOADER_CODE, EFI_LOADER_DATA,
	EFI_BOOT_SERVICES_CODE, EFI_BOOT_SERVICES_DATA,
	EFI_RUNTIME_SERVICES_CODE, EFI_RUNTIME_SERVICES_DATA,
	EFI_CONVENTIONAL_MEMORY, EFI_UNUSABLE_MEMORY, EFI_ACPI_RECLAIM_MEMORY,
	EFI_ACPI_MEMORY_NVS, EFI_MEMORY_MAPPED_IO, EFI_MEMORY_MAPPED_IO_PORT_SPACE,
	EFI_PAL_CODE, EFI_PERSISTENT_MEMORY, EFI_UNACCEPTED_MEMORY,
};

struct efi_memory_descriptor {
	uint32_t type;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;
	uint64_t attribute;
};
_Static_assert(offsetof(struct efi_memory_descriptor, physical_start) == 8, "PhysicalStart");
_Static_assert(offsetof(struct efi_memory_descriptor, number_of_pages) == 24, "NumberOfPages");
#define EFI_PAGE_SIZE          4096

/* 7.3 protocol handler services: LocateHandleBuffer's search type. */
#define EFI_BY_PROTOCOL        2

struct efi_boot_services {
	struct efi_table_header hdr;
	void *raise_tpl, *restore_tpl;
	efi_status (EFIAPI *allocate_pages)(int type, int memory_type, uint64_t pages,
					    uint64_t *memory);
	efi_status (EFIAPI *free_pages)(uint64_t memory, uint64_t pages);
	efi_status (EFIAPI *get_memory_map)(uint64_t *size, void *map, uint64_t *key,
					    uint64_t *desc_size, uint32_t *desc_version);
	efi_status (EFIAPI *allocate_pool)(int memory_type, uint64_t size, void **buffer);
	efi_status (EFIAPI *free_pool)(void *buffer);
	void *create_event, *set_timer, *wait_for_event, *signal_event;
	void *close_event, *check_event;
	void *install_protocol_interface, *reinstall_protocol_interface;
	void *uninstall_protocol_interface;
	efi_status (EFIAPI *handle_protocol)(efi_handle handle, const struct efi_guid *protocol,
					     void **interface);
	void *reserved, *register_protocol_notify, *locate_handle;
	void *locate_device_path, *install_configuration_table;
	void *load_image, *start_image, *exit, *unload_image;
	efi_status (EFIAPI *exit_boot_services)(efi_handle image, uint64_t map_key);
	void *get_next_monotonic_count, *stall, *set_watchdog_timer;
	void *connect_controller, *disconnect_controller;
	void *open_protocol, *close_protocol, *open_protocol_information;
	void *protocols_per_handle;
	efi_status (EFIAPI *locate_handle_buffer)(int search_type,
						  const struct efi_guid *protocol,
						  void *search_key, uint64_t *count,
						  efi_handle **buffer);
	efi_status (EFIAPI *locate_protocol)(const struct efi_guid *protocol,
					     void *registration, void **interface);
	void *install_multiple_protocol_interfaces;
	void *uninstall_multiple_protocol_interfaces;
	void *calculate_crc32, *copy_mem, *set_mem, *create_event_ex;
};
_Static_assert(offsetof(struct efi_boot_services, allocate_pages) == 40, "AllocatePages");
_Static_assert(offsetof(struct efi_boot_services, get_memory_map) == 56, "GetMemoryMap");
_Static_assert(offsetof(struct efi_boot_services, handle_protocol) == 152, "HandleProtocol");
_Static_assert(offsetof(struct efi_boot_services, exit_boot_services) == 232, "ExitBootServices");
_Static_assert(offsetof(struct efi_boot_services, locate_handle_buffer) == 312, "LocateHandleBuffer");
_Static_assert(offsetof(struct efi_boot_services, locate_protocol) == 320, "LocateProtocol");
_Static_assert(sizeof(struct efi_boot_services) == 376, "EFI_BOOT_SERVICES");

struct efi_configuration_table {
	struct efi_guid vendor_guid;
	void *vendor_table;
};
_Static_assert(sizeof(struct efi_configuration_table) == 24, "EFI_CONFIGURATION_TABLE");

struct efi_system_table {
	struct efi_table_header hdr;
	char16 *firmware_vendor;
	uint32_t firmware_revision;
	efi_handle console_in_handle;
	void *con_in;
	efi_handle console_out_handle;
	struct efi_text_output *con_out;
	efi_handle standard_error_handle;
	struct efi_text_output *std_err;
	void *runtime_services;
	struct efi_boot_services *boot_services;
	uint64_t number_of_table_entries;
	struct efi_configuration_table *configuration_table;
};
_Static_assert(offsetof(struct efi_system_table, con_out) == 64, "ConOut");
_Static_assert(offsetof(struct efi_system_table, boot_services) == 96, "BootServices");
_Static_assert(sizeof(struct efi_system_table) == 120, "EFI_SYSTEM_TABLE");

/* 9.1 Loaded Image Protocol. */
struct efi_loaded_image {
	uint32_t revision;
	efi_handle parent_handle;
	struct efi_system_table *system_table;
	efi_handle device_handle;
	void *file_path;
	void *reserved;
	uint32_t load_options_size;
	void *load_options;
	void *image_base;
	uint64_t image_size;
	uint32_t image_code_type, image_data_type;
	void *unload;
};
_Static_assert(offsetof(struct efi_loaded_image, device_handle) == 24, "DeviceHandle");
_Static_assert(offsetof(struct efi_loaded_image, load_options_size) == 48, "LoadOptionsSize");
_Static_assert(offsetof(struct efi_loaded_image, load_options) == 56, "LoadOptions");

/* 10.2 device path nodes: a type, a subtype, a little-endian length. */
struct efi_device_path {
	uint8_t type;
	uint8_t subtype;
	uint8_t length[2];
};
#define EFI_DP_MESSAGING       0x03
#define EFI_DP_MSG_UART        14
#define EFI_DP_END             0x7f

/* 13.4 Simple File System and 13.5 File Protocol. */
struct efi_file {
	uint64_t revision;
	efi_status (EFIAPI *open)(struct efi_file *self, struct efi_file **out,
				  const char16 *name, uint64_t mode, uint64_t attributes);
	efi_status (EFIAPI *close)(struct efi_file *self);
	void *delete_file;
	efi_status (EFIAPI *read)(struct efi_file *self, uint64_t *size, void *buffer);
	void *write, *get_position, *set_position;
	efi_status (EFIAPI *get_info)(struct efi_file *self, const struct efi_guid *type,
				      uint64_t *size, void *buffer);
	void *set_info, *flush;
};
_Static_assert(offsetof(struct efi_file, read) == 32, "Read");
_Static_assert(offsetof(struct efi_file, get_info) == 64, "GetInfo");
#define EFI_FILE_MODE_READ     1

struct efi_simple_file_system {
	uint64_t revision;
	efi_status (EFIAPI *open_volume)(struct efi_simple_file_system *self,
					 struct efi_file **root);
};

/* EFI_FILE_INFO up to its file name. */
struct efi_file_info {
	uint64_t size;
	uint64_t file_size;
	uint64_t physical_size;
	uint8_t times[3][16];
	uint64_t attribute;
};
_Static_assert(offsetof(struct efi_file_info, attribute) == 72, "EFI_FILE_INFO.Attribute");
#define EFI_FILE_DIRECTORY     0x10

/* 13.9 Block I/O Protocol. */
struct efi_block_io_media {
	uint32_t media_id;
	uint8_t removable_media, media_present, logical_partition;
	uint8_t read_only, write_caching;
	uint32_t block_size;
	uint32_t io_align;
	uint64_t last_block;
};
_Static_assert(offsetof(struct efi_block_io_media, block_size) == 12, "BlockSize");
_Static_assert(offsetof(struct efi_block_io_media, last_block) == 24, "LastBlock");

struct efi_block_io {
	uint64_t revision;
	struct efi_block_io_media *media;
	void *reset;
	efi_status (EFIAPI *read_blocks)(struct efi_block_io *self, uint32_t media_id,
					 uint64_t lba, uint64_t size, void *buffer);
	void *write_blocks, *flush_blocks;
};
_Static_assert(offsetof(struct efi_block_io, read_blocks) == 24, "ReadBlocks");

/* 12.9 Graphics Output Protocol. */
enum efi_pixel_format { EFI_PIXEL_RGBX8, EFI_PIXEL_BGRX8, EFI_PIXEL_BIT_MASK,
			EFI_PIXEL_BLT_ONLY };

struct efi_gop_mode_info {
	uint32_t version;
	uint32_t width;
	uint32_t height;
	uint32_t pixel_format;
	uint32_t red_mask, green_mask, blue_mask, reserved_mask;
	uint32_t pixels_per_scan_line;
};
_Static_assert(sizeof(struct efi_gop_mode_info) == 36, "EFI_GRAPHICS_OUTPUT_MODE_INFORMATION");

struct efi_gop_mode {
	uint32_t max_mode;
	uint32_t mode;
	struct efi_gop_mode_info *info;
	uint64_t size_of_info;
	uint64_t frame_buffer_base;
	uint64_t frame_buffer_size;
};
_Static_assert(offsetof(struct efi_gop_mode, frame_buffer_base) == 24, "FrameBufferBase");

struct efi_gop {
	void *query_mode, *set_mode, *blt;
	struct efi_gop_mode *mode;
};

/* Protocol and table GUIDs. */
#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
	{ 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
	{ 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_FILE_INFO_GUID \
	{ 0x09576e92, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_BLOCK_IO_PROTOCOL_GUID \
	{ 0x964e5b21, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID \
	{ 0x9042a9de, 0x23dc, 0x4a38, { 0x96, 0xfb, 0x7a, 0xde, 0xd0, 0x80, 0x51, 0x6a } }
#define EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID \
	{ 0x387477c2, 0x69c7, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_DEVICE_PATH_PROTOCOL_GUID \
	{ 0x09576e91, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_ACPI_20_TABLE_GUID \
	{ 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }
#define EFI_ACPI_10_TABLE_GUID \
	{ 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } }

#endif /* UEFI_EFI_H */
