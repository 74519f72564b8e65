/*
 * elf.h - the parts of the ELF32 format the loader and exec read.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H
#include <stdint.h>

#define ELF_MACHINE_386 3
#define ELF_PT_LOAD     1
#define ELF_PF_X        1
#define ELF_PF_W        2
#define ELF_PF_R        4

struct elf32_ehdr {
  uint8_t e_ident[16];
  uint16_t e_type;
  uint16_t e_machine;
  uint32_t e_version;
  uint32_t e_entry;
  uint32_t e_phoff;
  uint32_t e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize;
  uint16_t e_phentsize;
  uint16_t e_phnum;
  uint16_t e_shentsize;
  uint16_t e_shnum;
  uint16_t e_shstrndx;
};

struct elf32_phdr {
  uint32_t p_type;
  uint32_t p_offset;
  uint32_t p_vaddr;
  uint32_t p_paddr;
  uint32_t p_filesz;
  uint32_t p_memsz;
  uint32_t p_flags;
  uint32_t p_align;
};

#endif
